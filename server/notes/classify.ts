import type { SoapSectionName } from '../../contract/soap';

/*
 * Sorts one statement into S, O, A or P from its wording: history and symptoms (S); vitals,
 * examination and results (O); impressions and diagnoses (A); orders, medications and
 * follow-up (P). Weighted cues, English first, with the German, Spanish, French and Arabic that
 * our wards write. Returns null when the wording carries no cue, so the caller can use context.
 */

type Cue = readonly [RegExp, number];
type Scores = Record<SoapSectionName, number>;

// Sentence-initial orders: the strongest sign of a plan.
const PLAN_START =
  /^(?:continue|cont|start|commence|urgent|restart|resume|stop|stopped|hold|withhold|omit|give|given|increase|increased|decrease|reduce|reduced|wean|switch|change|convert|titrate|add|repeat|rpt|recheck|check|chase|request|requested|order|ordered|book|booked|arrange|refer|referral|referred|discuss|d\/w|review|r\/v|consult|obtain|send|sent|monitor|encourage|mobilise|mobilize|keep|maintain|aim|target|plan|planned|for|await|awaiting|discharge|d\/c|dc|home|transfer|escalate|remove|insert|replace|replete|transfuse|trial|nbm|npo|niv|cpap|bipap|hfno|oxygen|o2|ng|nasal|reassess|bolus|blood cultures|iv|po|sc|im|prn|daily|fluids|echo|ogd|ct|mri|if|to|will|consider|ensure|optimise|optimize|apply|elevate|topical|physio|pt|ot|dietitian|salt|swab|bloods|labs|u&e|lfts|fbc|cbc|bmp|cmp|tte|inr|x-?ray|cxr|f\/u|fu|follow|dnacpr|dnr|ttos?|tto|counsel|counselled|educate|explained|informed|tell|inform|call|contact|sliding|insulin|analgesia|antibiotics?|nil|fortführen|fortsetzen|beginnen|absetzen|pausieren|ansetzen|kontrolle|laborkontrolle|oralisierung|mobilisation|entlassung|anmeldung|continuar|iniciar|suspender|mantener|control|solicitar|pedir|alta|valorar|añadir|retirar|poursuivre|arrêt|arrêter|relais|débuter|introduire|contrôle|sortie|surveillance|demander|prévoir|الاستمرار|استمرار|إيقاف|البدء|بدء|مراقبة|إعادة|طلب|متابعة|خروج|تحويل)\b/iu;

const CUES: Record<SoapSectionName, readonly Cue[]> = {
  subjective: [
    [/\b(?:c\/o|complain(?:s|ing|ed)?|reports?|reported|states?|says|describes|denies|denied|feels?|felt|feeling|noticed|admits|endorses|tells)\b/iu, 3],
    [/\b(?:pt|patient|he|she|they)\s+(?:is\s+)?(?:reports?|states?|says|feels|describes|denies|complains)\b/iu, 2],
    [/\b(?:no|nil|denies|without)\s+(?:\w+\s+)?(?:pain|cp|chest pain|sob|fever|nausea|vomiting|headache|palpitations|cough|diarrh(?:o)?ea|dysuria|urinary symptoms|complaints?)\b/iu, 3],
    [/\b(?:pain|ache|aching|nausea|nauseous|vomit(?:ing|ed)?|cough(?:ing)?|breathless(?:ness)?|sob|soboe|dyspnoea|dyspnea|orthopnoea|orthopnea|pnd|dizz(?:y|iness)|lightheaded|tired|fatigue|itch(?:y|ing)?|headache|appetite|slept|sleep(?:ing)?|anxious|worried|rigors|sweats|palpitations|constipat\w*|diarrh(?:o)?ea|melaena|haematemesis|dysuria|frequency|weak(?:ness)?|numb(?:ness)?|tingling|sputum|wheez(?:e|y|iness)|swelling|swollen|after eating|\d+ (?:minutes|hours|days) after)\b/iu, 1.5],
    [/\b(?:overnight|yesterday|last night|last week|since|for \d+ (?:days?|weeks?|months?)|x\s?\d+\/(?:7|12|52)|x\s?\d+\s*(?:days?|d|weeks?)|ago|this morning|at home|before admission|prior to admission)\b/iu, 1.5],
    [/\b(?:was on|been on|takes|taking|usual medications|regular medications|started .{0,40}\bago|missed|non-?adherent|stopped taking|ran out|witnessed|found on the floor)\b/iu, 4.5],
    [/\b(?:ward round|wr|handover|liaison|post-take|ptwr|family meeting|seen (?:on|with|by|in)|visit|consult(?:ation)? note|day \d+ (?:of|post|after)|post-?op day \d+|pod \d+)\b/iu, 2.5],
    [/\b(?:admitted|presented|presents|presenting|brought in|referred in|pmh|past medical history|background of|known|hx of|history of|h\/o|s\/p|previous|previously|smoker|ex-smoker|pack[- ]years?|alcohol|lives|independent|carer|mobilis(?:ing|es) (?:independently|with)|walks|nkda|allerg(?:y|ies|ic)|eating|drinking|tolerating|passing (?:flatus|urine)|bowels (?:opened|open)|bo\b|pu\b|mobilising independently)\b/iu, 2],
    [/\b(?:\d{1,3}\s?(?:yo|y\/o|year[- ]old)|\d{2}\s?[mfMF]\b)/u, 3],
    [/أُ?دخل|أُدخلت|أدخلت/u, 3],
    [/\b(?:klagt|berichtet|gibt an|verneint|refiere|niega|duerme|se plaint|rapporte|signale|nie|يشكو|يشتكي|ينفي)\b/iu, 2.5],
    [/\b(?:beschwerden|schmerzen|husten|dyspnoe|fieberfrei|schlaf|appetit|übelkeit|seit|dolor|disnea|tos|fiebre|náuseas|mareo|douleurs?|toux|dyspnée|fièvre|nausées|apyrétique|ألم|سعال|ضيق في التنفس|حمى)\b/iu, 1.5],
  ],
  objective: [
    [/\b(?:bp|ta|rr|hr|fc|hf|pulse|p|sats?|spo2|sp02|sao2|sato2|o2 sats?|temp|t|gcs|avpu|news2?|cbg|bm|weight|wt|bmi|map|cvp|uo|urine output)(?!\p{L})\s*[:=]?\s*[<>~]?\d+(?:[.,]\d+)?(?![\p{L}\d])/iu, 4],
    [/(?<![\p{L}\p{N}_/])\d{2,3}\/\d{2,3}(?![\p{L}\p{N}_])(?!\s*(?:days?|7|52))/u, 2],
    [/(?:°\s?[cf]|(?:mmhg|bpm|lpm|\/min)(?![\p{L}\p{N}_])|%\s*(?:ra|on|in|air|basal|unter|en air|على))/iu, 3],
    [/\b(?:hb|hgb|wbc|wcc|plt|plts|crp|pct|esr|na\+?|k\+?|cr|creat(?:inine)?|urea|bun|egfr|alt|ast|alp|ggt|bili(?:rubin)?|alb(?:umin)?|inr|aptt|pt|trop(?:onin)?|bnp|nt-probnp|lactate|ph|pco2|po2|hco3|be|glucose|hba1c|tsh|ft4|mg\+?|ca2?\+?|phos|ferritin|ck|amylase|lipase|d-dimer|procalcitonin|neut(?:rophils)?|lymph(?:ocytes)?|leukozyten|krea|kreatinin|leucocytes|créatinine|hémoglobine|creatinina|hemoglobina|leucocitos|كرياتينين|بوتاسيوم|هيموغلوبين)(?![\p{L}\d])\s*[:=]?\s*[<>↑↓]?\s*\d/iu, 3],
    [/\b(?:mg\/d?l|g\/d?l|mmol\/l|µmol\/l|umol\/l|iu\/l|u\/l|g\/l|\/nl|pg\/ml|ng\/ml|ng\/l|meq\/l|x\s?10\^?9)\b/iu, 2],
    [/\b(?:o\/e|on examination|exam(?:ination)?|looks?|appears?|alert|orientated|oriented|gcs|pale|jaundiced|clammy|cyanosed|well perfused|chest clear|clear chest|crackles|creps|crepitations|wheeze|bronchial breathing|air entry|dull|percussion|resonant|heart sounds|hs i\+ii|murmur|jvp|oedema|edema|pitting|pulses?|palpable|peripheries|capillary refill|crt|abdomen|abdo|soft|tender|non-?tender|guarding|rebound|distended|bowel sounds|bs|pr:|pr exam|erythema|swelling|warm|fluctuance|wound|port sites|sutures? intact|rash|pupils|perrla|power|reflexes|sensation|tone|plantars|cranial nerves|neck stiffness|calves|dry mucous|mucous membranes|icteric|tachycardic|bradycardic|tachypnoeic|febrile|afebrile|haemodynamically|hemodynamically|euvolaemic|euvolemic|postural drop|stable on|saturating|sedated|intubated|ventilated|rass|fio2|peep|p\/f|vasopressors?|noradrenaline|norepinephrine|inotropes?|mental state|eye contact|affect|psychotic features|insight|thought (?:form|content)|urine dip|dipstick|leucocytes|nitrites|ketones|effusion|tympanic|asterixis|shifting dullness|mottled|cheyne-stokes|recession|retractions|dysphasia|power \d|amt|mmse|moca|pef|peak flow|nihss|facial droop|drift|dysarthria|obs|observations|sats|probing|hématome|bruising|haematoma|hematoma|laceration|neurologi\w+ normal\w*|examen \w+ normal\w*|smear|gram stain|isolated|sensitive to|resistant to|afb|bacilli|unauffällig|prellmarke|hämatom|neurologisch)\b/iu, 2.5],
    [/\b\d+(?:[.,]\d+)?\s?(?:cm|mm)\b/iu, 1.5],
    [/\b(?:cxr|x-?ray|ct|ctpa|mri|ultrasound|uss|echo|ecg|ekg|abg|vbg|urinalysis|dipstick|culture[sd]?|blood cultures|gram|swab|biopsy|histology|scan)\b.{0,40}\b(?:shows?|showed|showing|demonstrat\w+|revealed?|confirm\w*|grew|growing|positive|negative|normal|unremarkable|clear|no\s+\w+|sinus|nsr|af|st|consolidation|infarct|haemorrhage|hemorrhage|opacit\w+|mass|lesion|stenosis|occlusion|thrombus|embol\w+|pe|effusion|dilated|hydronephrosis|fracture|crystals)\b/iu, 3],
    [/^(?:cxr|ct|mri|ecg|ekg|echo|abg|vbg|uss|ua|msu|bcs?|blood cultures|micro|sputum culture)\b/iu, 2],
    [/\b(?:auskultat\w*|rgs|rasselgeräusche|abdomen weich|druckschmerz|ödeme|vesikulär|exploración|crepitantes|edemas|murmullo|abdomen blando|auscultation|crépitants|souffle|abdomen souple|ébranlement|œdèmes|خراخر|فحص|ضغط الدم|النبض|الحرارة|تشبع الأكسجين)\b/iu, 2.5],
  ],
  assessment: [
    [/\b(?:impression|imp|diagnosis|dx|ddx|differential|likely|unlikely|probable|probably|possible|possibly|suspect(?:ed)?|suspicious for|consistent with|in keeping with|suggestive of|secondary to|due to|caused by|precipitated by|attributed to|c\/w|r\/o|rule out|query)\b/iu, 3],
    [/(?:^|[\s(;,])\?\s?\p{L}/u, 3],
    [/\b(?:improving|improved|resolving|resolved|worsening|deteriorating|responding|recovering|settling|stable|unchanged|progressing|uncomplicated|complicated|controlled|uncontrolled|well|slow response|on track|recovery|course|progress)\b/iu, 1.5],
    [/\b(?:pneumonia|cap|hap|sepsis|septic|aki|ckd|copd|aecopd|asthma|heart failure|hfref|hfpef|adhf|chf|af|atrial fibrillation|acs|nstemi|stemi|mi|pe|dvt|uti|pyelonephritis|cellulitis|stroke|tia|delirium|dementia|diabetes|dka|hhs|hypoglycaemia|hyperkalaemia|hyperk|hyponatraemia|hypona|anaemia|anemia|bleed|ugib|lgib|pancreatitis|cholecystitis|appendicitis|obstruction|ileus|fracture|malignancy|cancer|metastatic|infection|exacerbation|effusion|overload(?:ed)?|dehydrat\w*|hypovolaemi\w*|prerenal|ulcer|colitis|encephalopathy|cirrhosis|gout|syncope|collapse|fall|frailty|eruption|reaction|siadh|ards|ischaemia|ischemia|embolism|eclampsia|nstemi|depressi\w+|episode|disorder|syndrome|dying|withdrawal|overdose)\b/iu, 1.5],
    // Diagnosis-shaped words, by suffix ("cellulitis", "anaphylaxis", "hyponatraemia").
    [/\w(?:itis|osis|aemia|emia|pathy|axis|oma|algia|plegia|paresis|penia|megaly)\b/iu, 1.5],
    [/\b(?:mild|moderate|severe|critical|low risk|high risk|life-threatening|limb-threatening|without severe features)\b/iu, 1],
    [/\b(?:acute|chronic|decompensated|exacerbation of|stage\s?\d|grade\s?\d|kdigo|curb-?65|nyha|wells|glasgow-blatchford|child-pugh|chads|has-bled)\b/iu, 1.5],
    [/\b(?:beurteilung|verdacht auf|v\.a\.|hinweis auf|befundbesserung|am ehesten|vereinbar mit|besserung|verschlechterung|juicio|sospecha|compatible con|probable|en mejoría|mejoría|empeoramiento|conclusion|évolution favorable|évolution|suspicion|compatible avec|probablement|amélioration|aggravation|تحسن|قصور|التهاب|اشتباه|مرجح)\b/iu, 2.5],
    [/\b(?:herzinsuffizienz|pneumonie|niereninsuffizienz|dekompensiert\w*|exazerbation|infekt|insuficiencia|neumonía|descompensada|pielonefritis|exacerbación|pneumopathie|insuffisance|pyélonéphrite|exacerbation|bpco|epoc)\b/iu, 2],
  ],
  plan: [
    [/\b(?:\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|g|units?|iu|ml|l|mmol)\b.{0,30}\b(?:al día|durante|por día|diari[oa]|iv|po|sc|im|pr|sl|neb|nebs|inh|od|bd|bid|b\.i\.d|tds|tid|t\.i\.d|qds|qid|q\d+h|prn|nocte|mane|stat|daily|weekly|once|twice|tgl|i\.v|p\.o|s\.c|x\s?\d\/j|cada|par jour|\/j|\/día|وريديًا|يوميًا))/iu, 4],
    [/\b(?:q\d+h|prn|stat|nocte|mane|bd|tds|qds|od|twice daily|once daily|three times daily|\d-hourly|(?:two|four|six)-hourly|hourly)\b/iu, 1.5],
    [/\b(?:(?:before|after) (?:feeds|meals|discharge)|suction|maintenance|regimen|bundle|protocol|prescribed|as per|free drainage|nil by mouth|today|trial|trial of|oral rehydration|iv fluids|fluids|scanner|irm|échographie|bilan|kinésithérapeute|kiné|precautions|isolation|side room|barrier nursing|pca|infusion|pump)\b/iu, 1.5],
    [/\b(?:mri|ct|ctpa|echo|ogd|colonoscopy|bronchoscopy|bal|biopsy|angiogram|angiography|doppler|uss|ultrasound|eeg|lp|lumbar puncture|tap|paracentesis)\b(?!.{0,40}\b(?:shows?|showed|revealed|demonstrat\w+)\b)(?![^:]{0,25}:)/iu, 1.5],
    [/(?:cillin|mycin|floxacin|cycline|penem|azole|prazole|olol|pril|sartan|statin|parin|xaban|gatran|semide|olone|sone|triptan|setron|pine|ipine|azepam|codone|nitrofurantoin|paracetamol|insulin|metformin|warfarin|aspirin|clopidogrel|ticagrelor|digoxin|amiodarone|salbutamol|lactulose|rifaximin|morphine|oxycodone|adrenaline|epinephrine|senna|laxatives?|colchicine|allopurinol|antibiotics?|iron|emollients?|antihistamines?)\b/iu, 2],
    [/\b(?:plan|will|to be|tomorrow|in the morning|tmrw|later today|this afternoon|next week|in \d+ (?:h|hours|days|weeks)|on monday|if|unless|until|once|await(?:ing)?|pending|follow[- ]?up|f\/u|review|r\/v|refer(?:ral|red)?|request(?:ed)?|book(?:ed)?|arrange[d]?|discharge|d\/c|(?:discharge|go|going|send|sent) home|home (?:tomorrow|today|when|once|if)|tto|clinic|gp|outpatient|opd|listed for|scheduled|target|aim|goal|monitor(?:ing)?|daily weights|fluid balance|strict i\/o|chart|escalat\w*|ceiling of care|dnacpr|dnar|for full escalation|not for|counsel\w*|educat\w*|physio\w*|ot\b|salt|dietitian|mdt|restrict(?:ion)?|restrict)\b/iu, 1.5],
    [/\b(?:refer(?:ral|red)?|request(?:ed)?|book(?:ed)?|arrange[d]?)\b/iu, 1],
    // First-person plans of dictated notes: "We will order…", "I would recommend…", "I explained the risks…".
    [/\b(?:we|i)\s+(?:will|would|shall|plan|recommend(?:ed)?|suggest(?:ed)?|discussed|explained|advised|counseled|counselled|reviewed (?:the|this|these) (?:plan|options|risks)|have (?:discussed|explained|recommended|asked|advised|given|prescribed|ordered|started|scheduled|referred|instructed|counseled|encouraged))\b/iu, 4],
    [/\b(?:recommend(?:ed|ations?|s)?|advised|discharged|prescribed|return (?:to (?:clinic|the (?:clinic|office|er|emergency))|if|immediately|p\.?r\.?n)|follow(?:-|\s)?up|followup|appreciate|thank you for|scheduled|instructed|risks,? (?:and )?benefits|admit(?:ted)? (?:to|for)|will be (?:seen|started|continued|placed|admitted|discharged|scheduled|given))\b/iu, 2.5],
    [/\b(?:continue|start|stop|hold|held|withhold|omit|give|increase|reduce|wean|switch|restart|repeat|rpt|recheck|chase|consider|replace|transfuse|mobilise|mobilize|encourage|elevate|remove|insert)\b/iu, 2.5],
    [/\b(?:fortführen|fortsetzen|kontrolle|geplant|absetzen|pausieren|beginnen|ansetzen|oralisierung|prüfen|mobilisation|physiotherapie|entlassung|informiert|continuar|iniciar|suspender|control|mañana|alta|balance hídrico|restricción|peso diario|poursuivre|relais|arrêt|contrôle|sortie|envisagée|demain|surveillance|durée totale|الاستمرار|مراقبة|إعادة|غدًا|متابعة)\b/iu, 2.5],
  ],
};

// JavaScript's \b knows only ASCII word characters; ours must see "fièvre", "µmol" and Arabic.
const W = '[\\p{L}\\p{N}_]';
const UNICODE_BOUNDARY = `(?:(?<!${W})(?=${W})|(?<=${W})(?!${W}))`;
// Most cues are \b(?:…)\b: one-sided lookarounds there are much cheaper for the regex engine.
const unicodeBoundaries = (re: RegExp): RegExp =>
  new RegExp(
    re.source.replaceAll('\\b(?:', `(?<!${W})(?:`).replaceAll(')\\b', `)(?!${W})`).replaceAll('\\b', UNICODE_BOUNDARY),
    re.flags.includes('u') ? re.flags : `${re.flags}u`,
  );
const COMPILED = Object.fromEntries(
  Object.entries(CUES).map(([k, cues]) => [k, cues.map(([re, w]) => [unicodeBoundaries(re), w] as const)]),
) as unknown as Record<SoapSectionName, readonly Cue[]>;
const PLAN_START_U = unicodeBoundaries(PLAN_START);

const UNLISTED_LABEL = /^[^:：]{1,25}[:：]\s/u;

export function scoreStatement(text: string): Scores {
  const scores: Scores = { subjective: 0, objective: 0, assessment: 0, plan: 0 };
  for (const section of Object.keys(CUES) as SoapSectionName[]) {
    for (const [re, w] of COMPILED[section]) if (re.test(text)) scores[section] += w;
  }
  const lead = text.replace(/^[^\p{L}\d?]+/u, '');
  // "X-ray: erosion…" is a result under an unlisted label, not an order for an X-ray.
  if (!UNLISTED_LABEL.test(lead) && PLAN_START_U.test(lead)) scores.plan += 3.5;
  return scores;
}

// Tie-break order: an order outranks a finding, a finding an account, an account an opinion.
const ORDER: readonly SoapSectionName[] = ['plan', 'objective', 'subjective', 'assessment'];

/** The best-scoring section, or null when nothing in the wording points anywhere. */
export function classifyStatement(text: string, among: readonly SoapSectionName[] = ORDER): SoapSectionName | null {
  const scores = scoreStatement(text);
  let best: SoapSectionName | null = null;
  let bestScore = 0;
  for (const s of ORDER) {
    if (!among.includes(s)) continue;
    if (scores[s] > bestScore) {
      best = s;
      bestScore = scores[s];
    }
  }
  return best;
}
