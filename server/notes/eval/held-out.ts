import { parseLabelled, type LabelledNote } from './labelled';

/*
 * Held-out notes: written after all tuning of the structurer's cues and never used to tune them,
 * so their accuracy is the honest estimate for notes the structurer has not seen. Tuning on them
 * would make that figure meaningless: write a new batch instead and move this one into the set
 * (as notes-2.ts and notes-3.ts were). Same labelling rules as notes.ts.
 */

const N = (id: string, specialty: string, language: string, template: string): LabelledNote =>
  parseLabelled(id, specialty, language, template);

export const HELD_OUT_NOTES: readonly LabelledNote[] = [
  N('x-syncope', 'cardiology', 'en', `{S}Collapsed while queuing at the supermarket, brief loss of consciousness, no prodrome. {S}No tongue biting or incontinence.
{O}Lying BP 132/78, standing 128/76, HR 48.
{O}ECG: Mobitz II second-degree AV block.
{A}Syncope secondary to high-grade AV block.
{P}Admit to CCU on telemetry.
{P}Cardiology review for pacemaker.`),

  N('x-pleural', 'respiratory', 'en', `{S}Increasing breathlessness over 3 weeks, ex-smoker, asbestos exposure as a builder.
{O}Stony dull right base, reduced breath sounds.
{O}CXR: large right pleural effusion.
{A}Unilateral exudative effusion, ?mesothelioma.
{P}Ultrasound-guided pleural aspiration for cytology, protein and LDH.
{P}CT thorax with contrast.`),

  N('x-ward-bullets', 'general medicine', 'en', `Ward round
{S}- no new complaints, mobilising with frame
{O}- obs stable, NEWS 1
{O}- Na 131 (128)
{A}- hyponatraemia improving
{P}- continue fluid restriction
{P}- repeat Na Monday`),

  N('x-cap-prose', 'general medicine', 'en', `{S}Reviewed this morning. {S}Still coughing but eating better. {O}Sats 95% on room air, temp 37.2. {O}CRP down to 64 from 180. {A}Pneumonia responding to antibiotics. {P}Switch IV co-amoxiclav to oral. {P}Aim for discharge on Friday.`),

  N('x-thyroid', 'endocrinology', 'en', `{S}Palpitations, weight loss and heat intolerance for 2 months.
{O}Fine tremor, HR 112 regular, small diffuse goitre.
{O}fT4 48 pmol/L, TSH <0.01.
{A}Thyrotoxicosis, probable Graves' disease.
{P}Carbimazole 20 mg OD and propranolol 40 mg TDS.
{P}TSH receptor antibodies.`),

  N('x-burns', 'plastic surgery', 'en', `{S}Scald to the left forearm from a kettle yesterday.
{O}Superficial partial-thickness burn, about 2% TBSA, blistered, capillary refill brisk.
{A}Superficial partial-thickness scald.
{P}Deroof blisters and apply non-adherent dressing.
{P}Dressing clinic in 48 h.`),

  N('x-uti-catheter', 'urology', 'en', `{S}Long-term catheter, cloudy urine and suprapubic discomfort per nursing staff.
{O}T 37.9 °C, suprapubic tenderness.
{A}Catheter-associated UTI.
{P}Change catheter and send CSU before antibiotics.
{P}Gentamicin as per local guideline.`),

  N('x-de-diabetes', 'endocrinology', 'de', `{S}Pat. berichtet über Polyurie und Durst seit 2 Wochen.
{O}BZ 386 mg/dl, HbA1c 11,2 %.
{A}Entgleister Diabetes mellitus Typ 2.
{P}Beginn mit Basalinsulin 10 IE abends.
{P}Diabetesberatung anmelden.`),

  N('x-es-celulitis', 'infectious diseases', 'es', `{S}Refiere dolor y enrojecimiento en la pierna derecha desde hace 3 días.
{O}Eritema caliente en cara anterior de la pierna, sin fluctuación.
{A}Celulitis de miembro inferior derecho.
{P}Cefazolina 1 g i.v. cada 8 h.
{P}Elevación del miembro.`),

  N('x-fr-diab', 'endocrinology', 'fr', `{S}Polyurie et polydipsie depuis dix jours.
{O}Glycémie 3,8 g/L, cétonurie négative.
{A}Diabète de type 2 déséquilibré.
{P}Débuter metformine 500 mg deux fois par jour.
{P}Consultation diététique.`),

  N('x-ar-kidney', 'nephrology', 'ar', `{S}يشكو المريض من قلة التبول منذ يومين.
{O}الكرياتينين 3.1 mg/dL، البوتاسيوم 5.8 mmol/L.
{A}التقييم: قصور كلوي حاد.
{P}الخطة: إيقاف مضادات الالتهاب، محاليل وريدية، إعادة التحاليل غدًا.`),

  N('x-postop-terse', 'general surgery', 'en', `{S}POD2 Hartmann's, pain ok, stoma active
{O}afebrile, abdo soft, wound clean
{O}Hb 10.1, CRP 140
{A}progressing
{P}start diet
{P}stoma nurse r/v`),
];
