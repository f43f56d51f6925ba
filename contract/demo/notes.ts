/**
 * Raw ward-round notes as physicians actually type or paste them: unstructured,
 * abbreviated, sometimes in another language, sometimes mangled by copy-paste.
 * Parsers, search and sanitisers are meant to be tested against these.
 */
import { Rng } from './rng';

export interface DemoNote { key: string; language: string; text: string; tags: string[] }
export interface RawNotesOptions { seed?: number | undefined; count: number }

export const EDGE_NOTE_KINDS = [
  'one-word', 'very-long', 'german', 'spanish', 'french', 'arabic', 'abbreviations', 'odd-whitespace', 'control-characters',
] as const;
export type EdgeNoteKind = (typeof EDGE_NOTE_KINDS)[number];

/** Target size of the 'very-long' note: a month of ICU progress notes pasted into one box. */
export const LONG_NOTE_WORDS = 10_000;

const fmt = (x: number, decimals: number, comma = false): string => {
  const s = x.toFixed(decimals);
  return comma ? s.replace('.', ',') : s;
};

interface Vitals { sys: number; dia: number; hr: number; rr: number; spo2: number; temp: number; onO2: boolean }

function vitals(rng: Rng): Vitals {
  const sys = rng.int(92, 168);
  return { sys, dia: Math.min(sys - 25, rng.int(52, 98)), hr: rng.int(56, 124), rr: rng.int(12, 28), spo2: rng.int(88, 99), temp: rng.int(361, 394) / 10, onO2: rng.chance(0.35) };
}

interface Problem {
  admission: string;
  history: readonly string[];
  exam: readonly string[];
  impression: readonly string[];
  plan: readonly string[];
}

const PROBLEMS: readonly Problem[] = [
  {
    admission: 'community-acquired pneumonia',
    history: ['Cough now less productive, still breathless walking to the bathroom.', 'Fever overnight to 38.4, rigors x1. Eating a little.', 'Feels better today, sputum now white. Slept well.'],
    exam: ['Coarse crackles right base, bronchial breathing right mid-zone. Abdomen soft.', 'Reduced air entry right base, dull to percussion. Calves soft.'],
    impression: ['Right lower lobe pneumonia, improving. CURB-65 of 2 on admission.', 'CAP, slow response; ?parapneumonic effusion.'],
    plan: ['Continue ceftriaxone 2 g IV once daily; review for oral switch in 48 h', 'Chase blood cultures and urinary antigens', 'Repeat CRP and U&E tomorrow', 'Chest physio, mobilise with PT', 'CXR if still febrile tomorrow'],
  },
  {
    admission: 'decompensated heart failure',
    history: ['Orthopnoea improving, now 2 pillows (was 4). Ankles less swollen.', 'Weight down 1.8 kg since yesterday. Passing good volumes of urine.'],
    exam: ['JVP +4 cm, fine bibasal crackles, pitting oedema to mid-shin.', 'Irregularly irregular pulse, soft pansystolic murmur at apex, oedema to ankles.'],
    impression: ['Acute on chronic HFrEF (EF 30 %), fluid overloaded, improving with diuresis.', 'Decompensated heart failure precipitated by fast AF.'],
    plan: ['Furosemide 40 mg IV BD, daily weights, strict fluid balance', 'Fluid restriction 1.5 L/day', 'Restart bisoprolol once euvolaemic', 'Echo requested', 'U&E daily while on IV diuretics'],
  },
  {
    admission: 'acute kidney injury',
    history: ['Drinking better. No urinary symptoms. Was on ibuprofen for back pain before admission.', 'Vomiting settled, tolerating diet.'],
    exam: ['Dry mucous membranes, capillary refill 3 s. Bladder not palpable.', 'Euvolaemic today. Abdomen soft, non-tender.'],
    impression: ['AKI stage 2, likely prerenal on NSAIDs and ACE inhibitor, creatinine improving.', 'AKI on CKD 3a, recovering.'],
    plan: ['IV fluids 1 L over 8 h, then reassess', 'Hold lisinopril and ibuprofen; medication review', 'Renal ultrasound if creatinine not improving', 'Daily U&E, strict input/output chart'],
  },
  {
    admission: 'COPD exacerbation',
    history: ['Wheeze better, still using salbutamol nebs 4-hourly. Sputum green yesterday, clearer today.', 'Managed stairs with physio this morning.'],
    exam: ['Widespread expiratory wheeze, prolonged expiration, no accessory muscle use.', 'Quiet chest bilaterally, air entry improved.'],
    impression: ['Infective exacerbation of COPD, improving.', 'AECOPD, target saturations 88–92 %.'],
    plan: ['Prednisolone 40 mg OD, day 3 of 5', 'Wean O2 to target 88–92 %', 'Repeat ABG if drowsy', 'Inhaler technique review and pulmonary rehab referral'],
  },
  {
    admission: 'left leg cellulitis',
    history: ['Leg less painful, redness receding from the marked border.', 'Afebrile 36 h, mobilising independently.'],
    exam: ['Erythema receded 3 cm within pen marking, warm, no fluctuance. Interdigital tinea.', 'Mild residual erythema, no crepitus, pulses palpable.'],
    impression: ['Cellulitis left lower leg, responding.', 'Cellulitis, improving; tinea pedis as portal of entry.'],
    plan: ['Switch flucloxacillin IV to oral 1 g QDS, total 7 days', 'Topical terbinafine', 'Elevate leg', 'Discharge planning for tomorrow'],
  },
  {
    admission: 'laparoscopic cholecystectomy (post-op)',
    history: ['Post-op day 2. Pain controlled on paracetamol only. Passing flatus, tolerating diet.', 'Post-op day 1. Shoulder-tip pain overnight, nausea settled.'],
    exam: ['Port sites clean and dry, abdomen soft, appropriately tender.', 'Abdomen soft, mild RUQ tenderness, no guarding.'],
    impression: ['Uncomplicated recovery after lap chole.', 'Recovering well post-op.'],
    plan: ['Stop IV fluids', 'Remove cannula', 'LFTs in the morning', 'Home tomorrow if LFTs settle; GP to remove sutures day 10'],
  },
  {
    admission: 'upper GI bleed',
    history: ['No further melaena since yesterday. Feels lightheaded on standing.', 'One small coffee-ground vomit overnight.'],
    exam: ['Pale, postural drop 18 mmHg. Abdomen soft, mild epigastric tenderness. PR: black stool on glove.', 'Haemodynamically stable, abdomen soft.'],
    impression: ['Upper GI bleed, Glasgow-Blatchford 9, ?duodenal ulcer on aspirin.', 'UGIB, stable after 2 units RBC.'],
    plan: ['OGD today (listed)', 'Pantoprazole 40 mg IV BD', 'Hold aspirin and enoxaparin', 'Transfuse if Hb < 7 g/dL (restrictive strategy)', 'Group & save valid until tomorrow'],
  },
];

const CLINICIANS = ['Dr. Berger', 'Dr. Mensah', "Dr. O'Connor", 'Dr. Yılmaz', 'Dr. Patel (FY2)', 'Dr. Novak, SpR'];

function labsLine(rng: Rng): string {
  const parts = [
    `Hb ${fmt(rng.int(78, 156) / 10, 1)} g/dL`,
    `WBC ${fmt(rng.int(38, 196) / 10, 1)}`,
    `Plt ${rng.int(88, 480)}`,
    `CRP ${rng.int(2, 260)} mg/L`,
    `Na ${rng.int(128, 146)}`,
    `K ${fmt(rng.int(31, 58) / 10, 1)}`,
    `Cr ${fmt(rng.int(55, 310) / 100, 2)} mg/dL`,
  ];
  return rng.sample(parts, rng.int(4, parts.length)).join(', ');
}

function vitalsLine(v: Vitals): string {
  return `BP ${v.sys}/${v.dia}, HR ${v.hr}, RR ${v.rr}, SpO2 ${v.spo2}% ${v.onO2 ? 'on 2 L O2' : 'RA'}, T ${fmt(v.temp, 1)} °C`;
}

/** One ordinary English ward-round note in one of the three layouts seen on real wards. */
function englishNote(rng: Rng, day = rng.int(1, 12)): string {
  const p = rng.pick(PROBLEMS);
  const age = rng.int(19, 96);
  const sex = rng.pick(['M', 'F']);
  const v = vitals(rng);
  const plan = rng.sample(p.plan, rng.int(2, p.plan.length));
  const layout = rng.int(0, 2);
  if (layout === 0) {
    return [
      `Ward round – day ${day} (${rng.pick(CLINICIANS)})`,
      `${age}${sex} admitted with ${p.admission}.`,
      '',
      `History: ${rng.pick(p.history)}`,
      `Vitals: ${vitalsLine(v)}`,
      `Exam: ${rng.pick(p.exam)}`,
      `Labs: ${labsLine(rng)}`,
      `Impression: ${rng.pick(p.impression)}`,
      'Plan:',
      ...plan.map((s) => `- ${s}`),
    ].join('\n');
  }
  if (layout === 1) {
    return [
      `S: ${rng.pick(p.history)}`,
      `O: ${vitalsLine(v)}. ${rng.pick(p.exam)} Bloods: ${labsLine(rng)}.`,
      `A: ${age}${sex}, day ${day} of admission with ${p.admission}. ${rng.pick(p.impression)}`,
      `P: ${plan.map((s, i) => `${i + 1}) ${s}`).join(' ')}`,
      `-- ${rng.pick(CLINICIANS)}`,
    ].join('\n');
  }
  return `Seen on WR. ${age}${sex}, D${day} ${p.admission}. ${rng.pick(p.history)} ${vitalsLine(v)}. ${rng.pick(p.exam)} ${labsLine(rng)}. ${rng.pick(p.impression)} Plan: ${plan.join('; ')}.`;
}

function abbreviationNote(rng: Rng): string {
  const age = rng.int(58, 88);
  return [
    `${age}M s/p CABG 2019, HTN, T2DM, CKD3, AF on apixaban.`,
    'c/o SOB on exertion x3/7, orthopnoea, PND. No CP, no palpitations. NKDA.',
    'O/E: BP 142/88, HR 96 irreg, RR 22, SpO2 94% RA, T 38.2 °C. JVP ↑, bibasal creps, pitting oedema to knees bilat.',
    'Labs: Hb 10.9 g/dL, WCC 12.1, Cr 1.4 mg/dL (baseline 1.1), K+ 5.6 mmol/L, Na+ 133, NT-proBNP ↑↑.',
    'ECG: AF ~96 bpm, no acute ST Δ. CXR: ?early APO, R CP angle blunted.',
    'Imp: ADHF 2° AF + ?LRTI. AKI on CKD (KDIGO 1). HyperK.',
    'Plan: furosemide 40 mg IV BD, fluid restrict 1.5 L/d, daily wts, strict I/O. Hold ACEi (K+ 5.6, AKI). Rpt U&E in 6 h.',
    'Co-amoxiclav 1.2 g IV q8h, paracetamol 1 g PO q6h PRN, enoxaparin held (on DOAC). TTE, cardiology r/v.',
    `DNACPR d/w pt & family – for full escalation. F/u PM WR. ${rng.pick(CLINICIANS)}`,
  ].join('\n');
}

function germanNote(rng: Rng): string {
  const v = vitals(rng);
  return `Visite Tag ${rng.int(2, 9)}. Pat. (${rng.int(45, 92)} J., ${rng.pick(['m', 'w'])}) mit ambulant erworbener Pneumonie.
Subj.: Husten rückläufig, weiterhin Belastungsdyspnoe, seit gestern fieberfrei.
Obj.: RR ${v.sys}/${v.dia} mmHg, HF ${v.hr}/min, SpO2 ${v.spo2} % ${v.onO2 ? 'unter 2 l O2' : 'unter Raumluft'}, Temp. ${fmt(v.temp, 1, true)} °C. Auskultatorisch feinblasige RGs re. basal.
Labor: CRP ${rng.int(20, 120)} mg/l (Vortag ${rng.int(121, 220)}), Leukozyten ${fmt(rng.int(60, 160) / 10, 1, true)} /nl, Krea ${fmt(rng.int(70, 160) / 100, 2, true)} mg/dl, K ${fmt(rng.int(34, 52) / 10, 1, true)} mmol/l.
Beurteilung: Befundbesserung unter Antibiose.
Procedere: Ceftriaxon 2 g i.v. 1x tgl. fortführen, Oralisierung ab morgen prüfen, Mobilisation mit Physiotherapie, Laborkontrolle übermorgen. Angehörige informiert.`;
}

function spanishNote(rng: Rng): string {
  const v = vitals(rng);
  const bnp = rng.int(1200, 9800);
  return `Pase de visita, día ${rng.int(2, 9)} de ingreso. Paciente de ${rng.int(55, 94)} años con insuficiencia cardíaca descompensada.
Refiere mejoría de la disnea; duerme con dos almohadas. Niega dolor torácico.
Exploración: TA ${v.sys}/${v.dia} mmHg, FC ${v.hr} lpm, SatO2 ${v.spo2} % basal, T.ª ${fmt(v.temp, 1, true)} °C. Crepitantes bibasales, edemas maleolares con fóvea ++.
Analítica: Hb ${fmt(rng.int(95, 145) / 10, 1, true)} g/dL, creatinina ${fmt(rng.int(80, 180) / 100, 2, true)} mg/dL, K ${fmt(rng.int(35, 55) / 10, 1, true)} mmol/L, NT-proBNP ${Math.floor(bnp / 1000)}.${String(bnp % 1000).padStart(3, '0')} pg/mL.
Juicio clínico: ICC descompensada en mejoría.
Plan: furosemida 40 mg i.v. cada 12 h, balance hídrico estricto, peso diario, restricción hidrosalina, control analítico mañana.`;
}

function frenchNote(rng: Rng): string {
  const v = vitals(rng);
  // French typography puts a no-break space before ':' — real notes carry it.
  return `Visite du jour, J${rng.int(2, 7)}. Patiente de ${rng.int(22, 85)} ans hospitalisée pour pyélonéphrite aiguë droite.
Apyrétique depuis 24 h, douleurs lombaires en nette régression.
Examen\u00a0: TA ${v.sys}/${v.dia} mmHg, FC ${v.hr}/min, SpO2 ${v.spo2} % en air ambiant, T° ${fmt(v.temp, 1, true)} °C. Ébranlement lombaire droit encore sensible.
Biologie\u00a0: CRP ${rng.int(20, 90)} mg/L (contre ${rng.int(150, 260)} à l'entrée), leucocytes ${fmt(rng.int(70, 140) / 10, 1, true)} G/L, créatinine ${rng.int(60, 130)} µmol/L.
Hémocultures\u00a0: E. coli multisensible.
Conclusion\u00a0: évolution favorable.
CAT\u00a0: relais per os par ciprofloxacine 500 mg x2/j, durée totale 7 jours, sortie envisagée demain.`;
}

const ARABIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';
const arabicIndic = (n: number): string => String(n).replace(/\d/g, (d) => ARABIC_DIGITS[Number(d)] ?? d);

function arabicNote(rng: Rng): string {
  const v = vitals(rng);
  // Mixed scripts and digit systems, as typed on a bilingual keyboard: a bidi stress test.
  return `مرور الصباح، اليوم ${arabicIndic(rng.int(2, 9))}. المريض ذكر يبلغ من العمر ${arabicIndic(rng.int(40, 88))} عامًا، أُدخل بسبب التهاب رئوي مكتسب من المجتمع.
يشكو من سعال وضيق في التنفس مع تحسن طفيف.
العلامات الحيوية: ضغط الدم ${v.sys}/${v.dia} ملم زئبق، النبض ${v.hr} في الدقيقة، تشبع الأكسجين ${v.spo2}% على هواء الغرفة، الحرارة ${fmt(v.temp, 1)} درجة مئوية.
الفحص: خراخر في قاعدة الرئة اليمنى.
التحاليل: CRP \u200f${rng.int(40, 180)} mg/L، كرياتينين ${fmt(rng.int(80, 170) / 100, 2)} mg/dL، بوتاسيوم ${fmt(rng.int(35, 58) / 10, 1)} mmol/L.
التقييم: التهاب رئوي مع قصور كلوي حاد خفيف.
الخطة: الاستمرار على سيفترياكسون ٢ غرام وريديًا يوميًا، مراقبة الأكسجين، إعادة التحاليل غدًا.`;
}

const countWords = (text: string): number => text.split(/\s+/).filter((w) => w.length > 0).length;

function veryLongNote(rng: Rng): string {
  const parts: string[] = ['ICU course summary (copied forward daily, never trimmed)'];
  let words = countWords(parts[0] ?? '');
  for (let day = 1; words < LONG_NOTE_WORDS; day++) {
    const entry = `\n=== Day ${day} ===\n${englishNote(rng, day)}`;
    parts.push(entry);
    words += countWords(entry);
  }
  return parts.join('\n');
}

/** Copy-paste debris from Word, web EHR viewers and terminal emulators. */
function oddWhitespace(rng: Rng, text: string): string {
  // The first space is always a no-break space and the first line always ends in blanks,
  // so every artefact is present however short the note is.
  const spaced = text.replace(' ', '\u00a0').replace(/ /g, () => rng.weighted<string>([[' ', 80], ['\u00a0', 9], ['\t', 4], ['  ', 5], ['\u202f', 2]]));
  const lines = spaced.split('\n').map((line, i) => line + (i === 0 ? ' \t' : rng.pick(['', '', ' ', '\t', '\u00a0 '])));
  const joined = lines.join('\r\n').replace('SpO2', 'Sp\u200bO2').replace('Plan', 'Pl\u200ban');
  return `\ufeff${joined}\r\n\u2028\r\n\r\n  \t`;
}

function controlCharacters(rng: Rng, text: string): string {
  const lines = text.split('\n');
  const at = rng.int(0, Math.max(0, lines.length - 1));
  lines[at] = `${lines[at] ?? ''}\u0007`;
  return `${lines.join('\n')}\u0000\u001b[0m\b\f`;
}

function edgeNote(rng: Rng, kind: EdgeNoteKind): { language: string; text: string; tags: string[] } {
  switch (kind) {
    case 'one-word':
      return { language: 'en', text: rng.pick(['Stable.', 'Unchanged.', 'Discharged.', 'Seen.', 'Asleep.', 'NAD']), tags: [kind] };
    case 'very-long':
      return { language: 'en', text: veryLongNote(rng), tags: [kind] };
    case 'german':
      return { language: 'de', text: germanNote(rng), tags: [kind, 'non-english'] };
    case 'spanish':
      return { language: 'es', text: spanishNote(rng), tags: [kind, 'non-english'] };
    case 'french':
      return { language: 'fr', text: frenchNote(rng), tags: [kind, 'non-english'] };
    case 'arabic':
      return { language: 'ar', text: arabicNote(rng), tags: [kind, 'non-english', 'rtl'] };
    case 'abbreviations':
      return { language: 'en', text: abbreviationNote(rng), tags: [kind] };
    case 'odd-whitespace':
      return { language: 'en', text: oddWhitespace(rng, englishNote(rng)), tags: [kind] };
    case 'control-characters':
      return { language: 'en', text: controlCharacters(rng, englishNote(rng)), tags: [kind] };
  }
}

/**
 * `count` notes. Every edge kind is present once count >= EDGE_NOTE_KINDS.length, at
 * seeded positions; smaller batches keep at least half ordinary notes.
 */
export function generateRawNotes(options: RawNotesOptions): DemoNote[] {
  const { count } = options;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const root = new Rng(options.seed ?? 1, 'notes');
  const planRng = root.fork('layout');
  const edgeCount = count >= EDGE_NOTE_KINDS.length ? EDGE_NOTE_KINDS.length : Math.floor(count / 2);
  const kinds = planRng.shuffle(EDGE_NOTE_KINDS).slice(0, edgeCount);
  const positions = planRng.sample(Array.from({ length: count }, (_, i) => i), edgeCount);
  const edgeAt = new Map<number, EdgeNoteKind>();
  positions.forEach((p, i) => {
    const kind = kinds[i];
    if (kind) edgeAt.set(p, kind);
  });

  const notes: DemoNote[] = [];
  for (let i = 0; i < count; i++) {
    const rng = root.fork(`note/${i}`);
    const key = rng.uuid();
    const kind = edgeAt.get(i);
    const body = kind ? edgeNote(rng, kind) : { language: 'en', text: englishNote(rng), tags: ['ordinary'] };
    notes.push({ key, ...body });
  }
  return notes;
}
