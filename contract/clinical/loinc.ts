/**
 * Common adult lab tests keyed by LOINC. Reference and critical limits are typical
 * adult values for demo data and tests only — real limits are lab- and
 * method-specific and must come from the producing laboratory.
 */

export type LabCategory = 'chemistry' | 'hematology' | 'coagulation' | 'blood-gas' | 'cardiac' | 'endocrine' | 'lipids' | 'drug-level' | 'microbiology';
export type LabInterpretation = 'N' | 'L' | 'H' | 'LL' | 'HH' | 'A';
export type LabComparator = '<' | '<=' | '>=' | '>';

export interface LabAnswer {
  text: string;
  abnormal: boolean;
}

export interface LabTest {
  /** LOINC code, e.g. '2345-7'. */
  code: string;
  /** LOINC long common name. */
  display: string;
  /** What clinicians write on the ward. */
  shortName: string;
  /** UCUM unit; '' for nominal (text) results. */
  unit: string;
  referenceLow: number | null;
  referenceHigh: number | null;
  criticalLow: number | null;
  criticalHigh: number | null;
  /** Assay limits: results beyond them are reported as '<low' / '>high'. */
  measuringLow: number | null;
  measuringHigh: number | null;
  decimals: number;
  /** Span of values actually seen in hospital patients, for generators. */
  typicalLow: number;
  typicalHigh: number;
  category: LabCategory;
  /** Non-empty only for nominal tests, which report text instead of a number. */
  answers: readonly LabAnswer[];
}

interface Extra {
  critical?: readonly [number | null, number | null];
  measuring?: readonly [number | null, number | null];
  answers?: readonly LabAnswer[];
}

function lab(
  code: string,
  display: string,
  shortName: string,
  unit: string,
  reference: readonly [number | null, number | null],
  decimals: number,
  typical: readonly [number, number],
  category: LabCategory,
  extra: Extra = {},
): LabTest {
  return {
    code, display, shortName, unit,
    referenceLow: reference[0], referenceHigh: reference[1],
    criticalLow: extra.critical?.[0] ?? null, criticalHigh: extra.critical?.[1] ?? null,
    measuringLow: extra.measuring?.[0] ?? null, measuringHigh: extra.measuring?.[1] ?? null,
    decimals, typicalLow: typical[0], typicalHigh: typical[1], category,
    answers: extra.answers ?? [],
  };
}

export const LOINC_LABS: readonly LabTest[] = [
  // Glucose appears in two units on purpose: ward glucometers report mmol/L, the central lab mg/dL.
  lab('2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 'Glucose', 'mg/dL', [70, 99], 0, [45, 450], 'chemistry', { critical: [40, 450], measuring: [10, 800] }),
  lab('15074-8', 'Glucose [Moles/volume] in Blood', 'BG', 'mmol/L', [3.9, 5.5], 1, [2.5, 25], 'chemistry', { critical: [2.2, 25], measuring: [1.1, 33.3] }),
  // Point-of-care glucose without a range: the meter reports none.
  lab('2339-0', 'Glucose [Mass/volume] in Blood', 'POC glucose', 'mg/dL', [null, null], 0, [50, 400], 'chemistry', { measuring: [20, 600] }),
  lab('718-7', 'Hemoglobin [Mass/volume] in Blood', 'Hb', 'g/dL', [12.0, 17.5], 1, [6.5, 18.5], 'hematology', { critical: [7.0, 20.0] }),
  lab('4544-3', 'Hematocrit [Volume Fraction] of Blood by Automated count', 'Hct', '%', [36, 50], 1, [20, 56], 'hematology', { critical: [20, 60] }),
  lab('789-8', 'Erythrocytes [#/volume] in Blood by Automated count', 'RBC', '10*6/uL', [4.2, 5.9], 2, [2.5, 6.5], 'hematology'),
  lab('787-2', 'MCV [Entitic volume] by Automated count', 'MCV', 'fL', [80, 100], 0, [68, 112], 'hematology'),
  lab('6690-2', 'Leukocytes [#/volume] in Blood by Automated count', 'WBC', '10*3/uL', [4.0, 11.0], 1, [1.5, 28], 'hematology', { critical: [1.0, 30.0] }),
  lab('751-8', 'Neutrophils [#/volume] in Blood by Automated count', 'Neut', '10*3/uL', [1.8, 7.7], 2, [0.3, 22], 'hematology', { critical: [0.5, null] }),
  lab('777-3', 'Platelets [#/volume] in Blood by Automated count', 'Plt', '10*3/uL', [150, 400], 0, [25, 650], 'hematology', { critical: [20, 1000] }),
  lab('2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 'Na', 'mmol/L', [135, 145], 0, [122, 156], 'chemistry', { critical: [120, 160] }),
  lab('2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'K', 'mmol/L', [3.5, 5.1], 1, [2.7, 6.6], 'chemistry', { critical: [2.8, 6.2] }),
  lab('2075-0', 'Chloride [Moles/volume] in Serum or Plasma', 'Cl', 'mmol/L', [98, 107], 0, [88, 118], 'chemistry'),
  lab('2028-9', 'Carbon dioxide, total [Moles/volume] in Serum or Plasma', 'CO2', 'mmol/L', [22, 29], 0, [12, 38], 'chemistry', { critical: [10, 40] }),
  lab('3094-0', 'Urea nitrogen [Mass/volume] in Serum or Plasma', 'BUN', 'mg/dL', [7, 20], 0, [4, 95], 'chemistry'),
  lab('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'Cr', 'mg/dL', [0.6, 1.3], 2, [0.4, 6.5], 'chemistry', { critical: [null, 7.0] }),
  // Only a lower bound: higher filtration is not abnormal.
  lab('98979-8', 'Glomerular filtration rate [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)/1.73 sq M', 'eGFR', 'mL/min/{1.73_m2}', [60, null], 0, [8, 125], 'chemistry', { measuring: [null, 90] }),
  lab('17861-6', 'Calcium [Mass/volume] in Serum or Plasma', 'Ca', 'mg/dL', [8.6, 10.3], 1, [6.8, 12.5], 'chemistry', { critical: [6.5, 13.0] }),
  lab('2777-1', 'Phosphate [Mass/volume] in Serum or Plasma', 'Phos', 'mg/dL', [2.5, 4.5], 1, [1.0, 7.5], 'chemistry', { critical: [1.0, null] }),
  lab('19123-9', 'Magnesium [Mass/volume] in Serum or Plasma', 'Mg', 'mg/dL', [1.7, 2.2], 1, [1.0, 3.4], 'chemistry', { critical: [1.0, 4.0] }),
  lab('1988-5', 'C reactive protein [Mass/volume] in Serum or Plasma', 'CRP', 'mg/L', [null, 5.0], 1, [0.05, 320], 'chemistry', { measuring: [0.1, 500] }),
  lab('33959-8', 'Procalcitonin [Mass/volume] in Serum or Plasma', 'PCT', 'ng/mL', [null, 0.5], 2, [0.01, 45], 'chemistry', { measuring: [0.02, 100] }),
  lab('2524-7', 'Lactate [Moles/volume] in Serum or Plasma', 'Lactate', 'mmol/L', [0.5, 2.2], 1, [0.4, 9.5], 'chemistry', { critical: [null, 4.0] }),
  lab('1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'ALT', 'U/L', [7, 56], 0, [5, 480], 'chemistry'),
  lab('1920-8', 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'AST', 'U/L', [10, 40], 0, [8, 520], 'chemistry'),
  lab('6768-6', 'Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma', 'ALP', 'U/L', [44, 147], 0, [30, 620], 'chemistry'),
  lab('2324-2', 'Gamma glutamyl transferase [Enzymatic activity/volume] in Serum or Plasma', 'GGT', 'U/L', [9, 48], 0, [6, 700], 'chemistry'),
  lab('1975-2', 'Bilirubin.total [Mass/volume] in Serum or Plasma', 'Bili', 'mg/dL', [0.1, 1.2], 1, [0.1, 14], 'chemistry', { critical: [null, 15] }),
  lab('1751-7', 'Albumin [Mass/volume] in Serum or Plasma', 'Alb', 'g/dL', [3.5, 5.0], 1, [1.8, 5.2], 'chemistry'),
  lab('2532-0', 'Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma', 'LDH', 'U/L', [140, 280], 0, [110, 1500], 'chemistry'),
  lab('2157-6', 'Creatine kinase [Enzymatic activity/volume] in Serum or Plasma', 'CK', 'U/L', [30, 200], 0, [20, 12000], 'chemistry'),
  // Only an upper bound: a low lipase is not a finding.
  lab('3040-3', 'Lipase [Enzymatic activity/volume] in Serum or Plasma', 'Lipase', 'U/L', [null, 160], 0, [8, 2400], 'chemistry'),
  lab('6598-7', 'Troponin T.cardiac [Mass/volume] in Serum or Plasma', 'TnT', 'ug/L', [null, 0.014], 3, [0.001, 4.5], 'cardiac', { measuring: [0.003, 10] }),
  // Assay-specific cut-offs, so the lab sends no range at all.
  lab('10839-9', 'Troponin I.cardiac [Mass/volume] in Serum or Plasma', 'TnI', 'ng/mL', [null, null], 3, [0.001, 25], 'cardiac', { measuring: [0.006, 50] }),
  lab('33762-6', 'Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma', 'NT-proBNP', 'pg/mL', [null, 125], 0, [10, 30000], 'cardiac', { measuring: [5, 35000] }),
  lab('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', 'HbA1c', '%', [null, 5.6], 1, [4.5, 13.5], 'endocrine'),
  lab('3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma', 'TSH', 'm[IU]/L', [0.4, 4.0], 2, [0.01, 25], 'endocrine', { measuring: [0.005, 100] }),
  lab('3024-7', 'Thyroxine (T4) free [Mass/volume] in Serum or Plasma', 'fT4', 'ng/dL', [0.8, 1.8], 2, [0.3, 4.5], 'endocrine'),
  lab('5902-2', 'Prothrombin time (PT)', 'PT', 's', [11.0, 13.5], 1, [10.0, 48], 'coagulation'),
  lab('6301-6', 'INR in Platelet poor plasma by Coagulation assay', 'INR', '{INR}', [0.8, 1.2], 2, [0.8, 6.5], 'coagulation', { critical: [null, 5.0] }),
  lab('14979-9', 'aPTT in Platelet poor plasma by Coagulation assay', 'aPTT', 's', [25, 35], 1, [21, 120], 'coagulation', { critical: [null, 100] }),
  lab('3255-7', 'Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay', 'Fibrinogen', 'mg/dL', [200, 400], 0, [60, 900], 'coagulation', { critical: [100, null] }),
  lab('48065-7', 'Fibrin D-dimer FEU [Mass/volume] in Platelet poor plasma', 'D-dimer', 'ng/mL{FEU}', [null, 500], 0, [100, 12000], 'coagulation', { measuring: [190, 20000] }),
  lab('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 'Chol', 'mg/dL', [null, 200], 0, [90, 340], 'lipids'),
  lab('2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', 'HDL', 'mg/dL', [40, null], 0, [18, 110], 'lipids'),
  lab('2571-8', 'Triglyceride [Mass/volume] in Serum or Plasma', 'TG', 'mg/dL', [null, 150], 0, [40, 900], 'lipids'),
  lab('2276-4', 'Ferritin [Mass/volume] in Serum or Plasma', 'Ferritin', 'ng/mL', [30, 400], 0, [5, 4000], 'chemistry'),
  lab('2744-1', 'pH of Arterial blood', 'pH', '[pH]', [7.35, 7.45], 2, [7.05, 7.6], 'blood-gas', { critical: [7.2, 7.6] }),
  lab('2019-8', 'Carbon dioxide [Partial pressure] in Arterial blood', 'pCO2', 'mm[Hg]', [35, 45], 0, [22, 90], 'blood-gas', { critical: [20, 70] }),
  lab('2703-7', 'Oxygen [Partial pressure] in Arterial blood', 'pO2', 'mm[Hg]', [80, 100], 0, [40, 220], 'blood-gas', { critical: [40, null] }),
  lab('1960-4', 'Bicarbonate [Moles/volume] in Arterial blood', 'HCO3', 'mmol/L', [22, 26], 1, [10, 40], 'blood-gas', { critical: [10, 40] }),
  lab('10535-3', 'Digoxin [Mass/volume] in Serum or Plasma', 'Digoxin', 'ng/mL', [0.8, 2.0], 2, [0.2, 3.5], 'drug-level', { critical: [null, 2.5], measuring: [0.2, 5] }),
  lab('4092-3', 'Vancomycin [Mass/volume] in Serum or Plasma --trough', 'Vanco trough', 'ug/mL', [10, 20], 1, [3, 40], 'drug-level', { critical: [null, 30], measuring: [4, 80] }),
  lab('94500-6', 'SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory system specimen by NAA with probe detection', 'SARS-CoV-2 PCR', '', [null, null], 0, [0, 0], 'microbiology', {
    answers: [{ text: 'Not detected', abnormal: false }, { text: 'Detected', abnormal: true }],
  }),
  lab('600-7', 'Bacteria identified in Blood by Culture', 'Blood culture', '', [null, null], 0, [0, 0], 'microbiology', {
    answers: [
      { text: 'No growth after 5 days', abnormal: false },
      { text: 'Staphylococcus aureus', abnormal: true },
      { text: 'Escherichia coli', abnormal: true },
      { text: 'Coagulase-negative staphylococci, probable contaminant', abnormal: true },
    ],
  }),
];

const BY_CODE: ReadonlyMap<string, LabTest> = new Map(LOINC_LABS.map((t) => [t.code, t]));

export function findLabTest(code: string): LabTest | undefined {
  return BY_CODE.get(code);
}

const LOINC_SHAPE = /^(\d{1,7})-(\d)$/;

/**
 * LOINC's mod-10 check: from the right, double every other digit starting with the
 * last one, sum the digits of the products and the untouched digits, and the check
 * digit brings the total up to a multiple of ten (Luhn over the code body).
 */
export function loincCheckDigit(body: string): number {
  if (!/^\d+$/.test(body)) throw new RangeError(`LOINC code body must be digits: ${JSON.stringify(body)}`);
  let sum = 0;
  for (let i = body.length - 1, doubled = true; i >= 0; i--, doubled = !doubled) {
    let d = body.charCodeAt(i) - 48;
    if (doubled) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isWellFormedLoinc(code: string): boolean {
  const m = LOINC_SHAPE.exec(code);
  if (m === null) return false;
  return loincCheckDigit(m[1] ?? '') === Number(m[2]);
}

export interface InterpretationLimits {
  referenceLow: number | null;
  referenceHigh: number | null;
  criticalLow?: number | null | undefined;
  criticalHigh?: number | null | undefined;
}

/** Which values a bound check stands for: exactly `v`, values just below it ('<v'), or just above ('>v'). */
type Side = 'at' | 'below' | 'above';

// Plain comparisons, no closures: this runs for every generated result.
function classify(limits: InterpretationLimits, v: number, side: Side): LabInterpretation {
  const { criticalLow, criticalHigh, referenceLow, referenceHigh } = limits;
  const below = side === 'below';
  const above = side === 'above';
  if (criticalLow != null && (below ? v <= criticalLow : v < criticalLow)) return 'LL';
  if (criticalHigh != null && (above ? v >= criticalHigh : v > criticalHigh)) return 'HH';
  if (referenceLow != null && (below ? v <= referenceLow : v < referenceLow)) return 'L';
  if (referenceHigh != null && (above ? v >= referenceHigh : v > referenceHigh)) return 'H';
  return 'N';
}

/**
 * Interpretation of a numeric result against its limits. A censored value
 * ('<0.1', '>500') only gets a flag when every value it could stand for falls in
 * the same class; otherwise the honest answer is null. With no limits at all the
 * result cannot be judged either.
 */
export function interpretLabValue(
  limits: InterpretationLimits,
  value: number,
  comparator: LabComparator | null = null,
): LabInterpretation | null {
  const hasAny = limits.referenceLow != null || limits.referenceHigh != null || limits.criticalLow != null || limits.criticalHigh != null;
  if (!hasAny || !Number.isFinite(value)) return null;
  if (comparator === null) return classify(limits, value, 'at');
  // Classes only rise with the value, so a censored range is uniform iff its two ends agree.
  const [near, far] =
    comparator === '<' || comparator === '<='
      ? [classify(limits, value, comparator === '<' ? 'below' : 'at'), classify(limits, -Infinity, 'at')]
      : [classify(limits, value, comparator === '>' ? 'above' : 'at'), classify(limits, Infinity, 'at')];
  return near === far ? near : null;
}
