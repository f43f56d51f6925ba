import { parseLabelled, type LabelledNote } from './labelled';

/*
 * The second batch of the labelled set. Written as a held-out batch after the cues were tuned on
 * notes.ts (accuracy 0.80 then), and then used for tuning too; held-out.ts is the batch that never was.
 * Same labelling rules as notes.ts.
 */

const N = (id: string, specialty: string, language: string, template: string): LabelledNote =>
  parseLabelled(id, specialty, language, template);

export const EVAL_NOTES_2: readonly LabelledNote[] = [
  N('ho-sepsis-biliary', 'general surgery', 'en', `{S}Post-take ward round. {S}78F with RUQ pain and rigors since yesterday evening.
{O}T 39.1 °C, HR 118, BP 92/54, lactate 3.8.
{O}Murphy's sign positive, jaundiced.
{O}USS: dilated CBD 11 mm with stones.
{A}Ascending cholangitis with sepsis.
{P}Sepsis six completed. {P}Piperacillin-tazobactam 4.5 g IV TDS. {P}ERCP tomorrow, NBM from midnight.`),

  N('ho-hyperkalaemia', 'nephrology', 'en', `{S}Feels weak, no palpitations.
{O}K 6.9 mmol/L, Cr 4.2 mg/dL.
{O}ECG: peaked T waves, QRS 110 ms.
{A}Severe hyperkalaemia with ECG changes, AKI on CKD 4.
{P}10 mL 10% calcium gluconate IV now.
{P}Insulin-dextrose infusion, repeat K in 1 h.
{P}Discuss with renal registrar re dialysis.`),

  N('ho-copd-terse', 'respiratory', 'en', `{S}SOB ++ x3/7, purulent sputum
{O}RR 28, sats 86% RA, wheeze ++
{O}ABG pH 7.31 pCO2 7.9
{A}AECOPD w/ T2RF
{P}NIV, target sats 88-92
{P}doxycycline 200 mg stat then 100 mg OD
{P}ITU r/v if pH falls`),

  N('ho-stroke-thrombolysis', 'neurology', 'en', `{S}Sudden left-sided weakness at 07:40, last seen well 07:30.
{O}NIHSS 9: left facial droop, left arm drift, dysarthria.
{O}CT head: no haemorrhage. CTA: right M1 occlusion.
{A}Acute right MCA stroke within the thrombolysis window.
{P}Alteplase given at 08:35.
{P}Transfer for thrombectomy.
{P}Neuro obs every 15 minutes.`),

  N('ho-hip-postop', 'orthopaedics', 'en', `{S}Day 1 after dynamic hip screw. {S}Confused overnight, now settled.
{O}Obs stable. {O}Hb 8.4 g/dL (10.9 pre-op).
{A}Post-operative anaemia, asymptomatic.
{P}Transfuse 1 unit if Hb below 8.
{P}Weight-bear as tolerated.
{P}Orthogeriatric review.`),

  N('ho-diabetic-foot', 'endocrinology', 'en', `{S}Ulcer on the right big toe for 6 weeks, now smelly. {S}Type 2 diabetes on insulin.
{O}Deep ulcer probing to bone, surrounding cellulitis 2 cm.
{O}X-ray: cortical erosion of the distal phalanx.
{A}Diabetic foot infection with probable osteomyelitis.
{P}Bone biopsy before antibiotics.
{P}Podiatry and diabetic foot MDT.`),

  N('ho-pancreatitis', 'gastroenterology', 'en', `{S}Severe epigastric pain radiating to the back, drinks heavily.
{O}Amylase 1,840 U/L, CRP 160 mg/L.
{O}Epigastric tenderness, no peritonism.
{A}Acute alcohol-related pancreatitis.
{P}Aggressive IV fluids.
{P}Morphine PRN.
{P}Pabrinex and CIWA-guided chlordiazepoxide.`),

  N('ho-de-copd', 'respiratory', 'de', `{S}Pat. berichtet über zunehmende Atemnot seit 3 Tagen.
{O}SpO2 87 % unter Raumluft, Giemen beidseits.
{A}Exazerbierte COPD.
{P}Prednisolon 40 mg p.o. für 5 Tage.
{P}Inhalation mit Salbutamol 4x tgl.`),

  N('ho-es-diabetes', 'endocrinology', 'es', `{S}Refiere poliuria y polidipsia desde hace una semana.
{O}Glucemia 412 mg/dL, cetonemia 0,8 mmol/L.
{A}Diabetes mellitus tipo 2 descompensada, sin cetoacidosis.
{P}Iniciar insulina basal 10 UI.
{P}Educación diabetológica.`),

  N('ho-fr-chute', 'geriatrics', 'fr', `{S}Chute à domicile hier soir, pas de perte de connaissance.
{O}Hématome frontal, examen neurologique normal.
{A}Chute mécanique probable.
{P}Scanner cérébral car sous anticoagulant.
{P}Bilan de chute par le kinésithérapeute.`),

  N('ho-ar-heart', 'cardiology', 'ar', `{S}يشكو المريض من ألم في الصدر منذ الصباح.
{O}تخطيط القلب: ارتفاع في مقطع ST.
{A}التشخيص: احتشاء عضلة القلب الحاد.
{P}الخطة: تحويل فوري إلى قسطرة القلب.`),

  N('ho-paeds-gastro', 'paediatrics', 'en', `{S}3-year-old with vomiting and diarrhoea for 2 days, fewer wet nappies.
{O}Dry lips, CRT 2 s, alert and playful.
{A}Gastroenteritis with mild dehydration.
{P}Oral rehydration solution trial.
{P}Discharge if tolerating fluids.`),
];
