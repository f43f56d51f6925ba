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
    'family history', 'dh', 'drug history', 'home medications', 'allergies', 'ros', 'review of systems', 'patient reports',
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
    'a', 'assessment', 'impression', 'imp', 'imps', 'dx', 'ddx', 'diagnosis', 'diagnoses', 'differential', 'problems', 'problem list',
    'summary', 'clinical impression', 'working diagnosis', 'opinion', 'beurteilung', 'diagnose', 'diagnosen', 'einschätzung',
    'juicio clínico', 'juicio', 'impresión', 'impresión diagnóstica', 'diagnóstico', 'valoración', 'evaluación', 'conclusion',
    'diagnostic', 'synthèse', 'évaluation', 'التقييم', 'التشخيص', 'الانطباع',
  ],
  plan: [
    'p', 'plan', 'plans', 'management', 'mx', 'rx', 'tx', 'treatment', 'orders', 'to do', 'todo', 'jobs', 'actions', 'next steps',
    'follow-up', 'follow up', 'f/u', 'fu', 'disposition', 'dispo', 'discharge plan', 'meds', 'medications', 'recommendations',
    'recs', 'procedere', 'prozedere', 'therapie', 'empfehlung', 'weiteres vorgehen', 'vorgehen', 'tratamiento', 'recomendaciones',
    'conducta', 'plan terapéutico', 'cat', 'conduite à tenir', 'traitement', 'prise en charge', 'الخطة', 'العلاج', 'التوصيات',
  ],
  'assessment-plan': ['a/p', 'a&p', 'ap', 'a+p', 'assessment and plan', 'assessment/plan', 'impression and plan', 'impression/plan', 'imp/plan'],
};

const LOOKUP = new Map<string, HeadingSection>();
for (const [section, labels] of Object.entries(HEADINGS) as [HeadingSection, readonly string[]][]) {
  for (const label of labels) LOOKUP.set(label, section);
}

/** The section a heading label names, or null when the text before a colon is no heading. */
export function headingSection(label: string): HeadingSection | null {
  const key = foldForMatch(label).toLowerCase().replace(/\s+/gu, ' ').replace(/\.+$/u, '').replace(/\.\s*/gu, '.').trim();
  return LOOKUP.get(key) ?? LOOKUP.get(key.replace(/\./g, '')) ?? null;
}
