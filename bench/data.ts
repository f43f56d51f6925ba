import { generateDemoHospital } from '../contract/demo/hospital';
import { median, printFigures, writeResults, type Figure } from './lib';

/*
 * The demo-data generator's speed (the seed and every fixture use it), against a raw baseline in
 * the same run: allocating the same number of plain objects.
 */
export async function run(): Promise<Record<string, Figure>> {
  const options = { seed: 1, patientsPerBranch: 5000, labsPerPatient: 20 };
  generateDemoHospital({ ...options, patientsPerBranch: 200 });
  const gen: number[] = [];
  const raw: number[] = [];
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now();
    const h = generateDemoHospital(options);
    gen.push(performance.now() - t0);
    rows = h.patients.length + h.labResults.length;
    t0 = performance.now();
    const objects: { i: number; s: string }[] = [];
    for (let k = 0; k < rows; k++) objects.push({ i: k, s: `x${k}` });
    raw.push(performance.now() - t0);
  }
  const figures: Record<string, Figure> = {
    generate_10000_patients_200000_labs: { value: Math.round(median(gen)), unit: 'ms', goal: '< 2000' },
    raw_allocation_same_rows: { value: Math.round(median(raw)), unit: 'ms' },
    rows_generated: { value: rows, unit: 'rows' },
  };
  printFigures(figures);
  writeResults('data', figures, ['medians of 3 runs']);
  return figures;
}
