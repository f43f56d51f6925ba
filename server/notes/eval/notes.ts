import { parseLabelled, type LabelledNote } from './labelled';

/*
 * The labelled evaluation set of the local structurer: raw ward notes written for this project
 * (no patient's words), across specialties and layouts — with headings, without, terse and
 * abbreviated, and a few in German, Spanish, French and Arabic. Each statement carries the
 * section a physician would file it under: history and symptoms {S}; vitals, examination and
 * results {O}; impressions and diagnoses {A}; orders, medications and follow-up {P}.
 * Encounter headers ("Ward round, day 3") count as S; sign-offs as P (they close the plan).
 */

const N = (id: string, specialty: string, language: string, template: string): LabelledNote =>
  parseLabelled(id, specialty, language, template);

export const EVAL_NOTES: readonly LabelledNote[] = [
  N('cardio-hf-headed', 'cardiology', 'en', `{S}Ward round day 4 (Dr. Haddad)
{S}History: Breathing easier, slept flat with 2 pillows last night. {S}No chest pain.
{O}Vitals: BP 118/72, HR 84 irregular, RR 18, SpO2 95% RA, T 36.7 °C
{O}Exam: JVP 3 cm, fine crackles both bases, pitting oedema to ankles.
{O}Labs: Na 136, K 4.1, Cr 1.32 mg/dL, NT-proBNP 4,210 pg/mL.
{A}Impression: Acute on chronic HFrEF, improving with diuresis.
{P}Plan:
- Furosemide 40 mg IV BD, switch to oral tomorrow if weight stable
{P}- Daily weights, fluid restriction 1.5 L
{P}- Restart ramipril 2.5 mg OD once Cr settles`),

  N('resp-copd-soap', 'respiratory', 'en', `{S}S: Less wheezy, still short of breath on the stairs. {S}Sputum clearer today.
{O}O: RR 20, SpO2 91% on 1 L O2, HR 98. {O}Widespread expiratory wheeze, no accessory muscle use.
{A}A: Infective exacerbation of COPD, responding to treatment.
{P}P: Prednisolone 30 mg OD day 4 of 5. {P}Wean oxygen to target 88–92%. {P}Inhaler technique review before discharge.`),

  N('gi-bleed-prose', 'gastroenterology', 'en', `{S}Seen on ward round. {S}67F admitted with melaena. {S}No further black stools since yesterday, feels lightheaded on standing. {O}BP 104/66 lying, 88/58 standing, HR 102. {O}Abdomen soft, mild epigastric tenderness. {O}Hb 7.9 g/dL (8.6 yesterday), urea 14.2 mmol/L. {A}Likely bleeding peptic ulcer on NSAIDs. {P}Transfuse 1 unit RBC and recheck Hb. {P}OGD today. {P}Pantoprazole 40 mg IV BD.`),

  N('renal-aki-terse', 'nephrology', 'en', `{S}72M, AKI on CKD3, ibuprofen pre-admission.
{S}Drinking better, no urinary sx.
{O}Cr 2.1 (peak 2.9, baseline 1.5), K 5.1, UO 1.2 L/24h.
{O}Euvolaemic, bladder not palpable.
{A}AKI recovering, prerenal + NSAID.
{P}Hold ramipril & NSAIDs.
{P}Rpt U&E AM.
{P}Renal USS if Cr plateaus.`),

  N('surg-lapchole', 'general surgery', 'en', `{S}POD 1 lap chole. {S}Pain well controlled on paracetamol, passing flatus, tolerating light diet.
{O}Obs: afebrile, HR 76, BP 128/70.
{O}Port sites clean and dry, abdomen soft, appropriately tender RUQ.
{A}Uncomplicated post-op recovery.
{P}Stop IV fluids. {P}LFTs in the morning. {P}Home tomorrow if LFTs settle.`),

  N('ortho-nof', 'orthopaedics', 'en', `{S}Day 2 post right hemiarthroplasty for fractured NOF.
{S}Pain 3/10 at rest, 6/10 on movement. {S}Mobilised to chair with physio yesterday.
{O}Wound dressing clean and dry, calf soft and non-tender.
{O}Hb 9.8 g/dL, Na 133.
{A}Progressing well after hemiarthroplasty; mild post-op anaemia.
{P}Continue enoxaparin 40 mg SC OD for 28 days.
{P}Physio to mobilise with frame.
{P}Check bone profile and vitamin D.
{P}OT home assessment before discharge.`),

  N('neuro-stroke', 'neurology', 'en', `{S}Stroke ward round, day 3.
{S}Speech improving per family, still weak in the right hand.
{O}On examination: GCS 15, mild expressive dysphasia, right arm power 4/5, leg 5/5.
{O}CT head (day 1): left MCA territory infarct, no haemorrhage.
{A}Left MCA ischaemic stroke, improving.
{P}Continue clopidogrel 75 mg OD and atorvastatin 80 mg nocte.
{P}SALT review of swallow today.
{P}Carotid Doppler requested.`),

  N('id-cellulitis', 'infectious diseases', 'en', `{S}Leg less painful, redness receding. {S}Afebrile overnight.
{O}Erythema receded 4 cm inside the pen marking, no fluctuance, interdigital maceration.
{O}CRP 84 mg/L (from 210).
{A}Cellulitis left leg, responding; tinea pedis as portal of entry.
{P}Switch to oral flucloxacillin 1 g QDS to complete 7 days. {P}Topical terbinafine BD. {P}Elevate leg.`),

  N('endo-dka', 'endocrinology', 'en', `{S}19F with T1DM, admitted in DKA after missing insulin doses.
{S}Vomiting stopped, now eating and drinking.
{O}pH 7.36, HCO3 19, ketones 0.4 mmol/L, glucose 9.8 mmol/L.
{O}Alert, mucous membranes moist.
{A}DKA resolved.
{P}Stop FRIII and restart basal-bolus insulin with breakfast.
{P}Diabetes specialist nurse review today.
{P}Sick day rules education before discharge.`),

  N('heme-neutropenic', 'haematology', 'en', `{S}Day 10 after cycle 2 of R-CHOP. {S}Rigors this morning, no cough, no dysuria.
{O}T 38.6 °C, HR 112, BP 96/60.
{O}Hickman line site clean, chest clear.
{O}Neutrophils 0.3 x10^9/L, lactate 2.4.
{A}Neutropenic sepsis, source unclear.
{P}Piperacillin-tazobactam 4.5 g IV q6h within the hour.
{P}Blood cultures from line and peripherally.
{P}500 mL crystalloid bolus, reassess in 30 min.`),

  N('geri-delirium', 'geriatrics', 'en', `{S}Nursing report: agitated overnight, pulled out cannula. {S}Daughter says she was fully independent before admission.
{O}Alert but disorientated to time and place, AMT 5/10.
{O}Urine dip: leucocytes ++, nitrites +.
{A}Hyperactive delirium, likely secondary to UTI.
{P}Nitrofurantoin 50 mg QDS for 7 days.
{P}Delirium care bundle, avoid sedation.
{P}Review medication chart for anticholinergics.`),

  N('psych-liaison', 'psychiatry', 'en', `{S}Liaison review. {S}Reports low mood for three months, poor sleep and appetite. {S}Denies current suicidal intent.
{O}Mental state: good eye contact, flat affect, speech slow, no psychotic features.
{A}Moderate depressive episode.
{P}Start sertraline 50 mg OD. {P}Community mental health team referral. {P}Crisis line number given.`),

  N('paeds-bronchiolitis', 'paediatrics', 'en', `{S}6-month-old, day 2 of bronchiolitis.
{S}Mum reports feeding about half of usual volumes.
{O}RR 52, SpO2 93% in air, HR 150.
{O}Mild subcostal recession, widespread crackles and wheeze.
{A}Bronchiolitis, moderate.
{P}NG feeds at two thirds maintenance.
{P}Nasal suction before feeds.
{P}Oxygen if SpO2 below 92%.`),

  N('obs-preeclampsia', 'obstetrics', 'en', `{S}32 weeks, G2P1, headache since this morning, no visual disturbance.
{O}BP 158/102, repeat 154/98.
{O}Urine PCR 64 mg/mmol, platelets 168, ALT 32.
{A}Pre-eclampsia without severe features.
{P}Labetalol 200 mg PO TDS.
{P}Four-hourly BP.
{P}CTG twice daily.
{P}Steroids for fetal lung maturity discussed with obstetric consultant.`),

  N('onc-pain', 'oncology', 'en', `{S}Known metastatic prostate cancer. {S}Back pain worse over 2 weeks, now waking at night. {S}No leg weakness, bladder and bowel normal.
{O}Tender over L2 spinous process, lower limb neurology normal.
{A}Likely bony metastasis; cord compression not excluded.
{P}Urgent MRI whole spine today. {P}Dexamethasone 16 mg PO stat. {P}Increase MST to 30 mg BD.`),

  N('icu-ventilated', 'intensive care', 'en', `{S}ICU day 6.
{O}Sedated on propofol, RASS -2.
{O}FiO2 0.35, PEEP 8, P/F ratio 260.
{O}Noradrenaline weaned off at 04:00.
{O}Lactate 1.1, Cr 1.4 mg/dL.
{A}Improving ARDS secondary to pneumonia.
{P}Sedation hold and spontaneous breathing trial this morning.
{P}Continue meropenem, day 5 of 7.`),

  N('urology-retention', 'urology', 'en', `{S}84M with acute urinary retention, catheterised in ED (residual 1.1 L).
{S}Comfortable, no haematuria.
{O}Abdomen soft, catheter draining clear urine.
{A}Retention secondary to BPH and constipation.
{P}Start tamsulosin 400 mcg OD.
{P}Laxatives and trial without catheter in 48 h.
{P}Urology outpatient follow-up.`),

  N('rheum-gout', 'rheumatology', 'en', `{S}Hot swollen right knee for 3 days, no trauma. {S}Previous gout in the big toe.
{O}Right knee effusion, warm, restricted flexion.
{O}Aspirate: negatively birefringent crystals, Gram stain negative.
{A}Acute gout of the knee.
{P}Colchicine 500 mcg BD.
{P}Start allopurinol after the flare settles.`),

  N('derm-rash', 'dermatology', 'en', `{S}Itchy rash on trunk since starting co-trimoxazole 5 days ago.
{O}Widespread maculopapular rash, mucosa spared, no blistering.
{A}Drug eruption, probably co-trimoxazole.
{P}Stop co-trimoxazole and record the allergy.
{P}Emollients and antihistamine.`),

  N('palliative', 'palliative care', 'en', `{S}Family meeting held with wife and son. {S}Patient comfortable, sleeping most of the day, not eating.
{O}Mottled peripheries, Cheyne-Stokes breathing.
{A}Dying, likely last days of life.
{P}Anticipatory medications prescribed.
{P}Stop routine observations and blood tests.
{P}Side room for the family.`),

  N('cardio-acs-abbrev', 'cardiology', 'en', `{S}55M c/o central CP radiating to L arm since 06:00, sweaty. {S}PMH HTN, smoker 30 pack-years.
{O}BP 148/92, HR 88.
{O}ECG: ST depression V4–V6.
{O}Trop I 412 ng/L (3 h).
{A}NSTEMI.
{P}Aspirin 300 mg stat, ticagrelor 180 mg stat.
{P}Fondaparinux 2.5 mg SC OD.
{P}Cardiology r/v for angio.`),

  N('gen-med-fall', 'general medicine', 'en', `{S}81F found on the floor at home, unsure how long. {S}Denies chest pain or palpitations.
{O}Lying/standing BP 136/74 and 112/68.
{O}CK 2,840 U/L, Cr 1.1 mg/dL.
{O}Bruising over the left hip, full range of movement, no shortening.
{A}Fall with probable long lie, orthostatic hypotension.
{P}IV fluids 1 L over 8 h. {P}Repeat CK tomorrow. {P}Falls assessment and PT/OT review.`),

  N('hepatology-cirrhosis', 'hepatology', 'en', `{S}Increasing abdominal distension over two weeks, more confused per wife.
{O}Jaundiced, shifting dullness, asterixis present.
{O}Bilirubin 64 µmol/L, albumin 26 g/L, INR 1.8.
{A}Decompensated alcohol-related cirrhosis with ascites and grade 2 hepatic encephalopathy.
{P}Diagnostic tap today.
{P}Lactulose 20 mL TDS titrated to 2–3 soft stools.
{P}Start rifaximin 550 mg BD.`),

  N('pneumonia-soap-lower', 'general medicine', 'en', `{S}s: cough and fevers x4/7, green sputum.
{O}o: T 38.9 °C, RR 24, SpO2 93% RA. {O}crackles R base.
{O}CXR R lower zone consolidation.
{A}a: CAP, CURB-65 2.
{P}p: amoxicillin 1 g PO TDS + clarithromycin 500 mg BD. {P}sputum and blood cultures.`),

  N('vascular-ischaemia', 'vascular surgery', 'en', `{S}Rest pain in the left foot for 10 days, worse at night.
{O}Left foot cool, dorsalis pedis and posterior tibial pulses absent, ABPI 0.4.
{A}Critical limb-threatening ischaemia.
{P}CT angiogram today.
{P}Vascular MDT for revascularisation.
{P}Heparin infusion per protocol.`),

  N('ed-asthma', 'emergency', 'en', `{S}24F asthmatic, wheezy since last night after a cold, used blue inhaler 10 times.
{O}PEF 210 L/min (best 420), RR 26, HR 118, SpO2 95% RA, speaking in sentences.
{A}Acute severe asthma.
{P}Salbutamol 5 mg nebs back-to-back.
{P}Prednisolone 40 mg PO.
{P}Reassess PEF after nebs.`),

  N('endo-hypona', 'endocrinology', 'en', `{S}Nausea and unsteadiness for a week. {S}Started citalopram a month ago.
{O}Na 121 mmol/L, serum osmolality 252, urine Na 48.
{O}Euvolaemic on examination.
{A}SIADH, probably citalopram.
{P}Fluid restriction 1 L/day.
{P}Stop citalopram.
{P}Na twice daily, aim rise no more than 8 mmol/L in 24 h.`),

  N('transplant-renal', 'nephrology', 'en', `Renal transplant clinic review.
{S}Feels well, taking all medications.
{O}Tacrolimus level 7.2, Cr 1.3 mg/dL (stable).
{O}BP 132/80.
{A}Stable graft function.
{P}Continue tacrolimus 3 mg BD.
{P}Review in 3 months with bloods.`),

  N('postop-bowel', 'colorectal surgery', 'en', `{S}Day 3 post right hemicolectomy. {S}Nauseated, vomited twice overnight, no flatus.
{O}Abdomen distended, tympanic, quiet bowel sounds.
{O}K 3.2 mmol/L, Mg 0.6.
{A}Post-operative ileus.
{P}NG tube on free drainage. {P}Replace potassium and magnesium IV. {P}Keep nil by mouth, review tomorrow.`),

  N('geri-terse-bullets', 'geriatrics', 'en', `{S}- 90F, frailty, dementia
{S}- eating little, more sleepy per nurses
{O}- temp 37.9, HR 96, BP 110/60
{O}- chest: crackles L base
{A}- ?aspiration pneumonia
{P}- co-amoxiclav IV
{P}- SALT assessment
{P}- discuss ceiling of care with son`),

  N('infectious-hiv', 'infectious diseases', 'en', `{S}New diagnosis of HIV last week. {S}Dry cough and breathlessness on exertion for 3 weeks.
{O}SpO2 96% at rest, 88% on walking.
{O}CD4 62 cells/µL.
{A}Probable Pneumocystis pneumonia.
{P}High-dose co-trimoxazole. {P}Prednisolone as oxygen desaturates on exertion. {P}Bronchoscopy and BAL.`),

  N('cardio-af-prose', 'cardiology', 'en', `{S}Palpitations since Saturday, no syncope. {O}HR 134 irregularly irregular, BP 122/78. {O}ECG AF with fast ventricular response. {O}TSH normal. {A}New-onset AF, CHA2DS2-VASc 3. {P}Bisoprolol 2.5 mg OD. {P}Start apixaban 5 mg BD. {P}Echo as outpatient.`),

  N('neuro-seizure', 'neurology', 'en', `{S}Witnessed generalised seizure at home lasting 2 minutes, tongue bitten. {S}Missed levetiracetam for 3 days.
{O}GCS 15, no focal neurology.
{O}Glucose 5.4 mmol/L.
{A}Breakthrough seizure due to non-adherence.
{P}Restart levetiracetam 500 mg BD.
{P}Driving advice given.`),

  N('surg-appendix', 'general surgery', 'en', `Surgical take.
{S}Right iliac fossa pain since yesterday, anorexic, vomited once.
{O}Tender RIF with guarding, Rovsing's positive.
{O}WCC 14.6, CRP 72 mg/L, pregnancy test negative.
{A}Acute appendicitis.
{P}Nil by mouth.
{P}Listed for laparoscopic appendicectomy today.
{P}IV co-amoxiclav.`),

  N('resp-pe', 'respiratory', 'en', `{S}Pleuritic chest pain and breathlessness for 2 days, long-haul flight last week.
{O}HR 108, SpO2 94% RA.
{O}CTPA: bilateral segmental PE, no RV strain.
{A}Bilateral pulmonary embolism, low risk.
{P}Apixaban 10 mg BD for 7 days, then 5 mg BD.
{P}Ambulatory follow-up in PE clinic.`),

  N('de-pneumonie', 'internal medicine', 'de', `{S}Visite Tag 4.
{S}Subj.: Husten rückläufig, weiterhin Belastungsdyspnoe, seit gestern fieberfrei.
{O}Obj.: RR 128/76 mmHg, HF 82/min, SpO2 94 % unter Raumluft.
{O}Auskultatorisch feinblasige RGs rechts basal.
{O}Labor: CRP 46 mg/l (Vortag 98), Leukozyten 9,8 /nl.
{A}Beurteilung: Ambulant erworbene Pneumonie, Befundbesserung unter Antibiose.
{P}Procedere: Ceftriaxon 2 g i.v. fortführen, Oralisierung ab morgen prüfen.`),

  N('de-herz', 'cardiology', 'de', `{S}Pat. klagt über nächtliche Atemnot und Beinödeme.
{O}Bds. Unterschenkelödeme, feuchte RGs basal.
{O}NT-proBNP 5.400 pg/ml, Krea 1,4 mg/dl.
{A}Dekompensierte Herzinsuffizienz.
{P}Furosemid 40 mg i.v. 2x tgl.
{P}Tägliche Gewichtskontrolle.`),

  N('es-ic', 'cardiology', 'es', `{S}Refiere mejoría de la disnea, duerme con dos almohadas. {S}Niega dolor torácico.
{O}Exploración: TA 134/82 mmHg, FC 78 lpm, crepitantes bibasales.
{O}Analítica: creatinina 1,3 mg/dL, K 4,4 mmol/L.
{A}Juicio clínico: insuficiencia cardíaca descompensada en mejoría.
{P}Plan: furosemida 40 mg i.v. cada 12 h, balance hídrico estricto, control analítico mañana.`),

  N('es-itu', 'urology', 'es', `{S}Paciente de 76 años con fiebre y disuria desde hace 2 días.
{O}T.ª 38,4 °C, puñopercusión renal derecha positiva.
{O}Sedimento con leucocituria y nitritos positivos.
{A}Sospecha de pielonefritis aguda.
{P}Iniciar ceftriaxona 1 g i.v. cada 24 h.
{P}Solicitar urocultivo y hemocultivos.`),

  N('fr-pyelo', 'nephrology', 'fr', `{S}Apyrétique depuis 24 h, douleurs lombaires en nette régression.
{O}Examen\u00a0: TA 124/70 mmHg, FC 80/min, ébranlement lombaire droit encore sensible.
{O}Biologie\u00a0: CRP 38 mg/L, créatinine 88 µmol/L.
{A}Conclusion\u00a0: pyélonéphrite aiguë droite, évolution favorable.
{P}CAT\u00a0: relais per os par ciprofloxacine 500 mg x2/j, sortie envisagée demain.`),

  N('fr-bpco', 'respiratory', 'fr', `{S}Le patient se plaint d'une dyspnée au moindre effort et d'une toux grasse.
{O}SpO2 89 % en air ambiant, sibilants diffus.
{A}Exacerbation de BPCO probablement infectieuse.
{P}Poursuivre les aérosols de salbutamol.
{P}Contrôle gazométrique demain.`),

  N('ar-pneumonia', 'internal medicine', 'ar', `{S}يشكو المريض من سعال وضيق في التنفس منذ ثلاثة أيام.
{O}العلامات الحيوية: ضغط الدم 130/80 ملم زئبق، الحرارة 38.5 درجة مئوية.
{O}الفحص: خراخر في قاعدة الرئة اليمنى.
{A}التقييم: التهاب رئوي مكتسب من المجتمع.
{P}الخطة: الاستمرار على سيفترياكسون وريديًا، إعادة التحاليل غدًا.`),

  N('mixed-handover', 'general medicine', 'en', `{S}Weekend handover review. {S}Patient reports the diarrhoea has settled, opened bowels once today.
{O}HR 76, BP 124/70, afebrile.
{O}C. difficile toxin negative.
{A}Diarrhoea resolved, probably antibiotic-associated.
{P}Stop the loperamide. {P}Discharge home tomorrow if eating well. {P}GP to check U&E in one week.
{P}Dr. Okafor, FY1`),

  N('haem-anaemia-terse', 'haematology', 'en', `{S}tired ++, SOBOE x2/12
{O}Hb 6.8, MCV 68, ferritin 4
{A}iron deficiency anaemia, ?GI loss
{P}IV iron (ferric carboxymaltose 1 g)
{P}OGD + colonoscopy referral`),
];
