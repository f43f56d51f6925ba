import { parseLabelled, type LabelledNote } from './labelled';

/*
 * The third batch of the labelled set: the second held-out batch (accuracy 0.786 while held out),
 * then used for tuning. Same labelling rules as notes.ts.
 */

const N = (id: string, specialty: string, language: string, template: string): LabelledNote =>
  parseLabelled(id, specialty, language, template);

export const EVAL_NOTES_3: readonly LabelledNote[] = [
  N('h-anaphylaxis', 'emergency', 'en', `{S}Lip swelling and wheeze 10 minutes after eating prawns. {S}Known shellfish allergy.
{O}BP 84/50, HR 128, SpO2 90% RA, widespread urticaria.
{A}Anaphylaxis.
{P}IM adrenaline 0.5 mg, repeat in 5 minutes if no improvement.
{P}Observe for 12 hours.
{P}Adrenaline auto-injector and allergy clinic referral on discharge.`),

  N('h-chf-bullets', 'cardiology', 'en', `Day 2
{S}- breathing better, 2 pillows
{O}- wt 84.2 kg (−1.1)
{O}- bibasal creps, oedema to knees
{A}- ADHF improving
{P}- furosemide 80 mg IV BD
{P}- daily U&E`),

  N('h-alcohol-withdrawal', 'general medicine', 'en', `{S}Drinks 2 bottles of wine a day, last drink 36 h ago. {S}Feels shaky and anxious.
{O}Tremor, sweaty, HR 110, CIWA-Ar 18.
{A}Moderate alcohol withdrawal.
{P}Chlordiazepoxide reducing regimen. {P}IV Pabrinex 2 pairs TDS for 3 days. {P}Alcohol liaison nurse referral.`),

  N('h-hypoglycaemia', 'endocrinology', 'en', `{S}Found drowsy by carer, had skipped lunch. {S}Takes gliclazide 80 mg BD.
{O}CBG 2.1 mmol/L, GCS 13, improving to 15 after glucose.
{A}Sulfonylurea-induced hypoglycaemia.
{P}10% glucose infusion and hourly CBG for 24 h.
{P}Stop gliclazide.`),

  N('h-postpartum', 'obstetrics', 'en', `{S}Day 1 after vaginal delivery, breastfeeding well. {S}Lochia normal, passing urine.
{O}BP 124/76, HR 80, uterus firm at umbilicus.
{A}Normal postnatal recovery.
{P}Discharge home with community midwife follow-up.`),

  N('h-tb', 'infectious diseases', 'en', `{S}Night sweats, weight loss of 6 kg and cough for 2 months. {S}Moved from a high-incidence country last year.
{O}CXR: right upper lobe cavitation.
{O}Sputum smear: acid-fast bacilli seen.
{A}Pulmonary tuberculosis, smear positive.
{P}Side room with airborne precautions.
{P}Start RIPE therapy after baseline LFTs and visual acuity.
{P}Notify public health.`),

  N('h-ckd-dialysis', 'nephrology', 'en', `{S}Missed dialysis on Friday, breathless since yesterday.
{O}SpO2 89% RA, bibasal crackles, K 6.4.
{A}Fluid overload and hyperkalaemia after missed haemodialysis.
{P}Urgent haemodialysis today. {P}Lokelma 10 g stat.`),

  N('h-terse-uti', 'geriatrics', 'en', `{S}more confused 2/7, ↓ oral intake
{O}T 38.3, HR 102, BP 118/64
{O}urine dip nitrites +ve
{A}?UTI, delirium
{P}cefalexin 500 mg PO BD 7/7
{P}MSU, encourage fluids`),

  N('h-de-sturz', 'geriatrics', 'de', `{S}Pat. ist gestern Abend zu Hause gestürzt.
{O}Prellmarke an der Stirn, neurologisch unauffällig.
{A}Sturz ohne Hinweis auf Fraktur.
{P}Sturzprotokoll und Physiotherapie.`),

  N('h-es-epoc', 'respiratory', 'es', `{S}Refiere aumento de la tos y expectoración purulenta.
{O}Sibilancias espiratorias, SatO2 88 % basal.
{A}Exacerbación de EPOC.
{P}Prednisona 40 mg al día durante 5 días.
{P}Control gasométrico mañana.`),

  N('h-fr-ic', 'cardiology', 'fr', `{S}Dyspnée d'effort et orthopnée depuis une semaine.
{O}Crépitants aux deux bases, œdèmes des membres inférieurs.
{A}Insuffisance cardiaque décompensée.
{P}Furosémide 40 mg IV matin et midi.
{P}Échographie cardiaque demain.`),

  N('h-sickle', 'haematology', 'en', `{S}Pain in both thighs and lower back since last night, typical of previous crises.
{O}T 37.4 °C, SpO2 97% RA, chest clear.
{O}Hb 7.6 g/dL, reticulocytes 9%.
{A}Sickle cell painful crisis without acute chest syndrome.
{P}Morphine PCA.
{P}IV fluids and incentive spirometry.`),
];
