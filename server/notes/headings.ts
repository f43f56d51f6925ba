import type { SoapSectionName } from '../../contract/soap';
import { foldForMatch } from './text';

/*
 * Section headings physicians write, in the languages our wards use. A heading sets the section
 * of the statements under it; "A/P" style headings leave assessment and plan to the wording.
 */
export type HeadingSection = SoapSectionName | 'assessment-plan';

const HEADINGS: Record<HeadingSection, readonly string[]> = {
  subjective: [
    's', 'subj', 'subjective', 'subjectively', 'history', 'hx', 'hpi', 'history of presenting complaint', 'hpc', 'pc',
    'presenting complaint', 'c/o', 'complaint', 'complaints', 'chief complaint', 'cc', 'symptoms', 'interval history',
    'overnight', 'events', 'overnight events', 'pmh', 'pmhx', 'past medical history', 'psh', 'sh', 'social', 'social history', 'fh',
    'family history', 'dh', 'drug history', 'home medications', 'meds', 'medications', 'current medications', 'fhx', 'shx', 'social hx', 'family hx',
    'allergien', 'medikation', 'dauermedikation', 'familienanamnese', 'sozialanamnese', 'vorerkrankungen', 'alergias', 'medicación',
    'antecedentes familiares', 'antecedentes personales', 'historia social', 'allergies médicamenteuses', 'traitement habituel',
    'antécédents familiaux', 'mode de vie', 'الحساسية', 'الأدوية', 'التاريخ العائلي', 'التاريخ الاجتماعي',
    'chief complaint', 'reason for visit', 'reason for consultation', 'reason for consult', 'reason for admission', 'reason for referral',
    'history of present illness', 'history of presenting illness', 'present illness', 'past surgical history', 'surgical history', 'past history', 'allergies', 'ros', 'review of systems', 'patient reports',
    'background', 'nursing', 'nursing report', 'collateral', 'anamnese', 'anamnesis', 'beschwerden', 'motivo de consulta',
    'enfermedad actual', 'antecedentes', 'subjetivo', 'anamnèse', 'plaintes', 'antécédents', 'histoire', 'الشكوى', 'القصة المرضية',
    'السوابق',
  ],
  objective: [
    'o', 'obj', 'objective', 'exam', 'examination', 'o/e', 'oe', 'on examination', 'physical exam', 'pe', 'vitals', 'vital signs',
    'obs', 'observations', 'labs', 'lab', 'bloods', 'blood results', 'results', 'investigations', 'ix', 'imaging', 'radiology',
    'ecg', 'ekg', 'cxr', 'ct', 'mri', 'us', 'uss', 'echo', 'abg', 'vbg', 'micro', 'microbiology', 'cultures', 'gcs', 'neuro',
    'cvs', 'resp', 'sputum', 'smear', 'sputum smear', 'gram stain', 'blood cultures', 'urine culture', 'x-ray', 'xr', 'cta', 'mra', 'nihss', 'تخطيط القلب', 'mental state', 'mse', 'mental state examination', 'urine dip', 'urinalysis', 'ct head', 'ctpa', 'aspirate', 'neuro exam', 'cns', 'git', 'ext', 'extremities', 'heent', 'lines/drains', 'abdo', 'abdomen', 'chest', 'skin', 'wound', 'io', 'i/o', 'fluid balance', 'drains', 'lines', 'befund', 'befunde',
    'untersuchung', 'körperliche untersuchung', 'labor', 'vitalparameter', 'bildgebung', 'sono', 'röntgen', 'exploración',
    'exploración física', 'analítica', 'pruebas', 'pruebas complementarias', 'constantes', 'objetivo', 'examen', 'examen clinique',
    'biologie', 'bilan', 'imagerie', 'hémocultures', 'constantes vitales', 'العلامات الحيوية', 'الفحص', 'الفحص السريري', 'التحاليل',
    'الأشعة',
  ],
  assessment: [
    'diagnosen bei entlassung', 'diagnósticos', 'impresión clínica', 'a', 'assessment', 'impression', 'imp', 'imps', 'dx', 'ddx', 'diagnosis', 'diagnoses', 'differential', 'problems', 'problem list',
    'summary', 'clinical impression', 'working diagnosis', 'opinion', 'beurteilung', 'diagnose', 'diagnosen', 'einschätzung',
    'juicio clínico', 'juicio', 'impresión', 'impresión diagnóstica', 'diagnóstico', 'valoración', 'evaluación', 'conclusion',
    'diagnostic', 'synthèse', 'évaluation', 'التقييم', 'التشخيص', 'الانطباع',
  ],
  plan: [
    'entlassmedikation', 'medikation bei entlassung', 'empfehlungen', 'seguimiento', 'plan de cuidados', 'suivi', 'recommandations',
    'traitement de sortie', 'المتابعة', 'stopped', 'held', 'discontinued', 'started', 'medication changes', 'changes', 'p', 'plan', 'plans', 'management', 'mx', 'rx', 'tx', 'treatment', 'orders', 'to do', 'todo', 'jobs', 'actions', 'next steps',
    'follow-up', 'follow up', 'f/u', 'fu', 'disposition', 'dispo', 'discharge plan', 'discharge medications', 'discharge instructions', 'recommendations', 'recommendation',
    'plan of care', 'care plan', 'goals', 'short term goals', 'long term goals', 'followup', 'patient instructions', 'instructions',
    'recs', 'procedere', 'prozedere', 'therapie', 'empfehlung', 'weiteres vorgehen', 'vorgehen', 'tratamiento', 'recomendaciones',
    'conducta', 'plan terapéutico', 'cat', 'conduite à tenir', 'traitement', 'prise en charge', 'الخطة', 'العلاج', 'التوصيات',
  ],
  'assessment-plan': ['a/p', 'a&p', 'ap', 'a+p', 'assessment and plan', 'assessment/plan', 'impression and plan', 'impression/plan', 'imp/plan'],
};

const LOOKUP = new Map<string, HeadingSection>();
for (const [section, labels] of Object.entries(HEADINGS) as [HeadingSection, readonly string[]][]) {
  for (const label of labels) LOOKUP.set(label, section);
}

// Body systems and exam parts: a heading of one inherits the section it stands in (under a review
// of systems it is history, under an examination a finding); alone, it is a finding.
const SYSTEMS = new Set([
  'heent', 'head', 'eyes', 'eye', 'ears', 'nose', 'throat', 'ent', 'mouth', 'oral', 'neck', 'lungs', 'lung', 'chest', 'heart', 'cardiac',
  'cardiovascular', 'cv', 'cvs', 'respiratory', 'resp', 'pulmonary', 'abdomen', 'abdo', 'abd', 'gi', 'gastrointestinal', 'git', 'gu',
  'genitourinary', 'urological', 'renal', 'extremities', 'ext', 'neuro', 'neurologic', 'neurological', 'cns', 'skin', 'integumentary',
  'dermatologic', 'dermatological', 'musculoskeletal', 'msk', 'psych', 'psychiatric', 'psychological', 'general', 'constitutional', 'lymph',
  'lymphatic', 'lymph nodes', 'hematologic', 'hematological', 'hematologic/lymphatic', 'endocrine', 'back', 'spine', 'rectal', 'breasts',
  'breast', 'genitalia', 'pelvic', 'vascular', 'pulses', 'motor', 'sensory', 'sensation', 'reflexes', 'gait', 'coordination', 'cranial nerves',
  'allergic/immunologic', 'immunologic', 'face', 'head and neck', 'nasal', 'visual', 'gynecologic', 'obstetric', 'hematology',
  'general appearance', 'appearance', 'vascular', 'nails', 'hair', 'teeth', 'tympanic membranes', 'heme', 'lymphatics',
]);

// Section headings outside the list, by their words: the many ways a dictation names a section.
const KEYWORDS: readonly (readonly [RegExp, HeadingSection])[] = [
  [/^(?:assessment|impression)s? ?(?:and|&|\/) ?(?:plans?|recommendations?)$/, 'assessment-plan'],
  [/\b(?:discharge (?:medications?|instructions|plan|condition)|medications? (?:on|at|upon) discharge|condition (?:on|upon|at) (?:discharge|disposition))\b/, 'plan'],
  [/\b(?:assessments?|impressions?|diagnos[ie]s|problems?|problem list|summary|axis [iv]+|decision making|discussion|conclusions?)\b/, 'assessment'],
  [/\b(?:plans?|recommendations?|disposition|follow[- ]?up|followup|prescriptions?|treatment|orders|instructions|goals?|activity|education|counsell?ing|referrals?)\b/, 'plan'],
  [/\b(?:complaints?|reasons? for|history|hpi|pmh|psh|medications?|meds|allerg\w*|social|family|review of systems|ros|subjective|habits|immunizations?|risk factors|present illness|interval|birth|developmental|diet history|surgeries)\b/, 'subjective'],
  [/\b(?:physical|exam|examination|vitals?|vital signs|labs?|laboratory|imaging|radiolog\w*|x-?rays?|radiographs?|diagnostic|diagnostics|tests?|results|studies|data|ekg|ecg|objective|mental status|findings|ct|mri|ultrasound|echocardiogram|pathology)\b/, 'objective'],
];

// Headings that only name a SOAP section: the section shows them, so the statement need not repeat them.
const SECTION_NAMES = new Set([
  's', 'subj', 'subjective', 'subjectively', 'o', 'obj', 'objective', 'a', 'assessment', 'impression', 'imp', 'imps', 'p', 'plan', 'plans',
  'assessment and plan', 'assessment/plan', 'a/p', 'a&p', 'ap', 'a+p', 'impression and plan', 'impression/plan', 'imp/plan',
  'subjetivo', 'objetivo', 'evaluación', 'valoración', 'beurteilung', 'procedere', 'prozedere', 'التقييم', 'الخطة',
]);

export interface Heading {
  /** The section it names; 'inherit' for a body system, which keeps the section it stands in. */
  section: HeadingSection | 'inherit';
  /** It only names a SOAP section ("Plan:", "IMPRESSION:"): such a heading governs every block up to the next heading. */
  sectionName: boolean;
  /** A clinical label ("Allergies", "Meds", "FHx") that the statements under it keep. */
  clinical: boolean;
}

const normalise = (label: string): string =>
  foldForMatch(label).toLowerCase().replace(/\s+/gu, ' ').replace(/\.+$/u, '').replace(/\.\s*/gu, '.').trim();

const CLINICAL = /\b(?:allerg\w*|medications?|meds|fhx|fh|family|drug|dh|stopped|held|withheld|discharge medications?|home medications?|current medications?|immunizations?|rx|prescriptions?|alergias|allergien|medikation|médicaments|traitement)\b/u;

/** The section a heading label names, or null when the text before a colon is no heading. */
export function headingSection(label: string): HeadingSection | null {
  const h = headingOf(label);
  return h && h.section !== 'inherit' ? h.section : null;
}

/**
 * What a heading label means. `caps` says the label was written in capitals ("PAST SURGICAL
 * HISTORY"): such a label is a heading even when it is not in the list, read by its words.
 */
export function headingOf(label: string, caps = false): Heading | null {
  const key = normalise(label);
  const bare = key.replace(/\./g, '');
  const listed = LOOKUP.get(key) ?? LOOKUP.get(bare);
  const sectionName = SECTION_NAMES.has(key) || SECTION_NAMES.has(bare);
  const clinical = CLINICAL.test(key);
  if (SYSTEMS.has(key) || SYSTEMS.has(bare)) return { section: 'inherit', sectionName: false, clinical: false };
  if (listed) return { section: listed, sectionName, clinical };
  // A label with a number in it is a measurement ("NIHSS 9: …", "GCS 14: …"), not a heading.
  if (!caps || /\d/u.test(key)) return null;
  for (const [re, section] of KEYWORDS) if (re.test(key)) return { section, sectionName, clinical };
  return { section: 'inherit', sectionName: false, clinical };
}
