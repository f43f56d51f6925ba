/**
 * Deterministic demo hospital: two branches, staff, patients with their stays,
 * labs, medication orders and referrals. The demo seed and every domain's test
 * fixtures draw from here, so the data deliberately includes the awkward cases
 * real wards produce (see the tags on patients and results).
 */
import { Rng } from './rng';
import { DAY_MS, HOUR_MS, MINUTE_MS, REFERENCE_INSTANT, REFERENCE_MS, toIso } from './clock';
import { EDGE_CASE_NAMES, nameTags, pickOrdinaryName, pickSiblingGivenName, type NameSex } from './names';
import { findLabTest, interpretLabValue, type LabComparator, type LabInterpretation, type LabTest } from '../clinical/loinc';

export { REFERENCE_INSTANT };

export interface DemoWard { code: string; name: string; beds: number; bedLabels: string[] }
export interface DemoBranch { code: string; name: string; wards: DemoWard[] }
export type DemoRole = 'physician' | 'nurse' | 'it_admin';
export interface DemoUser { username: string; displayName: string; roles: { branchCode: string; role: DemoRole }[] }
export interface DemoMovement { wardCode: string; bed: string; fromAt: string; toAt: string | null }
export type DemoSex = 'female' | 'male' | 'other' | 'unknown';
export interface DemoPatient {
  key: string;
  branchCode: string;
  mrn: string;
  nationalId: string;
  familyName: string;
  givenNames: string[];
  birthDate: string;
  sex: DemoSex;
  /** Current bed; null when not admitted now (outpatient, discharged, deceased). */
  wardCode: string | null;
  bed: string | null;
  /** Start of the current admission (not of the latest bed move). */
  admittedAt: string | null;
  deceasedAt: string | null;
  /** Every bed stay, oldest first; only the current one has toAt null. */
  movements: DemoMovement[];
  tags: string[];
}
export type DemoLabStatus = 'preliminary' | 'final' | 'amended' | 'corrected';
export interface DemoLabResult {
  /** Stable per logical result: a correction and a re-delivered duplicate reuse the key. */
  key: string;
  branchCode: string;
  /** null = the result arrived before the patient's record (match it by subjectMrn). */
  patientKey: string | null;
  subjectMrn: string;
  loinc: string;
  display: string;
  value: number | null;
  valueString: string | null;
  comparator: LabComparator | null;
  unit: string;
  referenceLow: number | null;
  referenceHigh: number | null;
  interpretation: LabInterpretation | null;
  status: DemoLabStatus;
  effectiveAt: string;
  issuedAt: string;
  tags: string[];
}
export interface DemoMedication {
  key: string;
  branchCode: string;
  patientKey: string;
  code: string;
  display: string;
  dosageText: string;
  status: 'active' | 'completed' | 'stopped' | 'on-hold';
  intent: 'order' | 'plan';
  authoredAt: string;
}
export interface DemoReferral {
  key: string;
  branchCode: string;
  patientKey: string;
  code: string;
  display: string;
  category: string;
  status: 'draft' | 'active' | 'completed' | 'revoked';
  priority: 'routine' | 'urgent' | 'asap' | 'stat';
  reason: string;
  authoredAt: string;
}
export interface DemoHospital {
  branches: DemoBranch[];
  users: DemoUser[];
  patients: DemoPatient[];
  labResults: DemoLabResult[];
  medications: DemoMedication[];
  referrals: DemoReferral[];
}

export interface DemoHospitalOptions {
  seed?: number | undefined;
  patientsPerBranch?: number | undefined;
  /** Regular results per patient; default a random 5–40. Edge-case extras (duplicates,
   *  corrections, the scenario results) come on top. 0 disables labs entirely. */
  labsPerPatient?: number | undefined;
  /**
   * Anchor the hospital at this instant (the seeding day) instead of REFERENCE_INSTANT: every
   * stay, result, order and referral moves by the same whole number of minutes, so admissions
   * are this week and results of the last hours are new. Birth dates stay (a 29 February birth
   * stays one). Same seed and same anchor, same hospital.
   */
  referenceInstant?: string | undefined;
}

export const DEFAULT_SEED = 20261101;
export const DEFAULT_PATIENTS_PER_BRANCH = 40;

// ---------------------------------------------------------------- branches & staff

interface WardSpec { code: string; name: string; beds: number; bedsPerRoom: 1 | 2 }
const BRANCH_SPECS: readonly { code: string; name: string; mrnPrefix: string; wards: readonly WardSpec[] }[] = [
  {
    code: 'north', name: 'North Hospital', mrnPrefix: 'N',
    wards: [
      { code: 'n-med', name: 'Internal Medicine', beds: 24, bedsPerRoom: 2 },
      { code: 'n-surg', name: 'General Surgery', beds: 20, bedsPerRoom: 2 },
      { code: 'n-card', name: 'Cardiology', beds: 16, bedsPerRoom: 2 },
      { code: 'n-icu', name: 'Intensive Care Unit', beds: 8, bedsPerRoom: 1 },
    ],
  },
  {
    code: 'south', name: 'South Hospital', mrnPrefix: 'S',
    wards: [
      { code: 's-med', name: 'Internal Medicine', beds: 28, bedsPerRoom: 2 },
      { code: 's-surg', name: 'Trauma & Orthopaedic Surgery', beds: 18, bedsPerRoom: 2 },
      { code: 's-icu', name: 'Intensive Care Unit', beds: 6, bedsPerRoom: 1 },
    ],
  },
];

const pad2 = (n: number): string => String(n).padStart(2, '0');

function bedLabels(spec: WardSpec): string[] {
  const labels: string[] = [];
  for (let i = 0; i < spec.beds; i++) {
    labels.push(spec.bedsPerRoom === 1 ? pad2(i + 1) : `${pad2(Math.floor(i / 2) + 1)}${i % 2 === 0 ? 'A' : 'B'}`);
  }
  return labels;
}

function buildBranches(): DemoBranch[] {
  return BRANCH_SPECS.map((b) => ({
    code: b.code,
    name: b.name,
    wards: b.wards.map((w) => ({ code: w.code, name: w.name, beds: w.beds, bedLabels: bedLabels(w) })),
  }));
}

function buildUsers(): DemoUser[] {
  return [
    { username: 'dr.north', displayName: 'Dr. Anna Berger', roles: [{ branchCode: 'north', role: 'physician' }] },
    { username: 'dr.south', displayName: 'Dr. Kwame Mensah', roles: [{ branchCode: 'south', role: 'physician' }] },
    { username: 'nurse.north', displayName: 'Maria Santos', roles: [{ branchCode: 'north', role: 'nurse' }] },
    { username: 'nurse.south', displayName: 'Jonas Lindqvist', roles: [{ branchCode: 'south', role: 'nurse' }] },
    { username: 'it.admin', displayName: 'Sam Taylor', roles: [{ branchCode: 'north', role: 'it_admin' }, { branchCode: 'south', role: 'it_admin' }] },
    // A locum covering both sites: one person, two branch roles.
    { username: 'dr.oconnor', displayName: "Dr. Siobhán O'Connor", roles: [{ branchCode: 'north', role: 'physician' }, { branchCode: 'south', role: 'physician' }] },
    // Someone holding different roles in different branches.
    { username: 'dr.yilmaz', displayName: 'Dr. Elif Yılmaz', roles: [{ branchCode: 'north', role: 'physician' }, { branchCode: 'south', role: 'nurse' }] },
  ];
}

// ---------------------------------------------------------------- beds

/** Leaves some beds empty, as a bed board with zero free beds is not a useful demo. */
const MAX_OCCUPANCY = 0.9;

class BedPool {
  readonly #free = new Map<string, string[]>();
  readonly #capacity: number;
  #occupied = 0;

  constructor(wards: readonly DemoWard[]) {
    let capacity = 0;
    for (const w of wards) {
      this.#free.set(w.code, w.bedLabels.slice());
      capacity += w.beds;
    }
    this.#capacity = capacity;
  }

  /** A random free bed, optionally restricted to / excluding wards; `force` ignores the occupancy cap. */
  take(rng: Rng, opts: { only?: readonly string[]; exclude?: readonly string[]; minFree?: number; force?: boolean } = {}): { wardCode: string; bed: string } | null {
    if (!opts.force && this.#occupied + 1 > this.#capacity * MAX_OCCUPANCY) return null;
    const options: [string, number][] = [];
    for (const [code, free] of this.#free) {
      if (opts.only && !opts.only.includes(code)) continue;
      if (opts.exclude?.includes(code)) continue;
      if (free.length < (opts.minFree ?? 1)) continue;
      options.push([code, free.length]);
    }
    if (options.length === 0) return null;
    const wardCode = rng.weighted(options);
    const free = this.#free.get(wardCode) ?? [];
    const idx = rng.int(0, free.length - 1);
    const bed = free.splice(idx, 1)[0];
    if (bed === undefined) return null;
    this.#occupied++;
    return { wardCode, bed };
  }
}

// ---------------------------------------------------------------- patients

type Role = 'twin-a' | 'twin-b' | 'shared-national-id' | 'moved' | 'readmitted' | 'deceased' | 'leap-day' | 'sex-other' | 'sex-unknown' | 'ordinary';
/** Index i of every branch gets FORCED_ROLES[i], so small fixtures still contain each case. */
const FORCED_ROLES: readonly Role[] = ['twin-a', 'twin-b', 'shared-national-id', 'moved', 'readmitted', 'deceased', 'leap-day', 'sex-other', 'sex-unknown'];

function roleAt(i: number, n: number): Role {
  const role = FORCED_ROLES[i] ?? 'ordinary';
  return role === 'twin-a' && n < 2 ? 'ordinary' : role;
}

const AGE_BANDS: readonly (readonly [readonly [number, number], number])[] = [
  [[0, 0], 2], [[1, 17], 6], [[18, 39], 15], [[40, 64], 30], [[65, 84], 35], [[85, 103], 12],
];
const LEAP_YEARS = [1944, 1952, 1960, 1972, 1984, 1996, 2004];
const YEAR_MS = 365.2425 * DAY_MS;

const isoDate = (ms: number): string => toIso(ms).slice(0, 10);
const floorMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
const between = (rng: Rng, fromMs: number, toMs: number): number => floorMinute(fromMs + rng.next() * Math.max(0, toMs - fromMs));

/** At least 30 days old, so even infants predate every stay generated for them. */
function birthDateForAge(rng: Rng, age: number): string {
  return isoDate(REFERENCE_MS - age * YEAR_MS - rng.int(30, 364) * DAY_MS);
}

function luhnDigit(digits: string): number {
  let sum = 0;
  for (let i = digits.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** An affine map mod 10^9 is a bijection, so distinct global indices never share an ID by accident. */
function nationalIdFor(globalIndex: number, offset: number): string {
  const body = String((91367 * globalIndex + offset) % 1_000_000_000).padStart(9, '0');
  return `${body}${luhnDigit(body)}`;
}

interface Stay { movements: DemoMovement[]; startMs: number; endMs: number | null }
interface Timeline {
  stays: Stay[];
  current: { wardCode: string; bed: string; admittedMs: number } | null;
  deceasedMs: number | null;
  /** Intervals (ms) in which orders and draws for this patient plausibly happen. */
  windows: [number, number][];
  tags: string[];
}

const move = (wardCode: string, bed: string, fromMs: number, toMs: number | null): DemoMovement => ({
  wardCode, bed, fromAt: toIso(fromMs), toAt: toMs === null ? null : toIso(toMs),
});

interface BranchCtx {
  branch: DemoBranch;
  index: number;
  pool: BedPool;
  icu: string;
}

function randomBed(rng: Rng, ctx: BranchCtx, wardCode: string, avoid?: string): string {
  const ward = ctx.branch.wards.find((w) => w.code === wardCode) ?? ctx.branch.wards[0];
  const labels = (ward?.bedLabels ?? ['01']).filter((b) => b !== avoid);
  return rng.pick(labels.length > 0 ? labels : ['01']);
}

const otherWard = (rng: Rng, ctx: BranchCtx, not: string): string =>
  rng.pick(ctx.branch.wards.map((w) => w.code).filter((c) => c !== not));

function closedStay(rng: Rng, ctx: BranchCtx, notBeforeMs: number, endWithinDays: readonly [number, number], wardCode?: string): Stay | null {
  const endMs = floorMinute(REFERENCE_MS - rng.float(endWithinDays[0], endWithinDays[1]) * DAY_MS);
  const startMs = Math.max(floorMinute(endMs - rng.float(1, 12) * DAY_MS), notBeforeMs);
  if (endMs - startMs < 4 * HOUR_MS) return null;
  const ward = wardCode ?? rng.pick(ctx.branch.wards).code;
  return { movements: [move(ward, randomBed(rng, ctx, ward), startMs, endMs)], startMs, endMs };
}

type Plan = 'inpatient' | 'moved' | 'readmitted' | 'deceased' | 'discharged' | 'outpatient';

function planTimeline(rng: Rng, ctx: BranchCtx, plan: Plan, birthMs: number, bed: { wardCode: string; bed: string } | null): Timeline {
  const notBefore = birthMs + DAY_MS;
  const t: Timeline = { stays: [], current: null, deceasedMs: null, windows: [], tags: [] };
  const openStay = (startMs: number, movements: DemoMovement[], wardCode: string, bedLabel: string): void => {
    t.stays.push({ movements, startMs, endMs: null });
    t.current = { wardCode, bed: bedLabel, admittedMs: startMs };
  };

  if ((plan === 'inpatient' || plan === 'readmitted' || plan === 'moved') && bed) {
    if (plan === 'readmitted') {
      const prior = closedStay(rng, ctx, notBefore, [20, 60]);
      if (prior) {
        t.stays.push(prior);
        t.tags.push('readmitted');
      }
    }
    if (plan === 'moved') {
      // ICU first, a bed swap inside the ICU, then step-down to the current ward.
      const first = bed.wardCode === ctx.icu ? otherWard(rng, ctx, ctx.icu) : ctx.icu;
      const t0 = Math.max(floorMinute(REFERENCE_MS - rng.float(4, 12) * DAY_MS), notBefore);
      const t1 = floorMinute(t0 + rng.float(6, 36) * HOUR_MS);
      const t2 = floorMinute(t1 + rng.float(12, 48) * HOUR_MS);
      const bedA = randomBed(rng, ctx, first);
      const bedB = randomBed(rng, ctx, first, bedA);
      openStay(t0, [move(first, bedA, t0, t1), move(first, bedB, t1, t2), move(bed.wardCode, bed.bed, t2, null)], bed.wardCode, bed.bed);
      t.tags.push('moved');
    } else {
      const lastEnd = t.stays[t.stays.length - 1]?.endMs ?? notBefore;
      const start = Math.max(floorMinute(REFERENCE_MS - rng.float(2 / 24, plan === 'readmitted' ? 5 : 14) * DAY_MS), lastEnd + DAY_MS, notBefore);
      openStay(start, [move(bed.wardCode, bed.bed, start, null)], bed.wardCode, bed.bed);
    }
    t.tags.push('inpatient');
  } else if (plan === 'deceased') {
    const ward = rng.chance(0.6) ? ctx.icu : rng.pick(ctx.branch.wards).code;
    const start = Math.max(floorMinute(REFERENCE_MS - rng.float(3, 25) * DAY_MS), notBefore);
    const death = between(rng, start + 12 * HOUR_MS, REFERENCE_MS - 2 * HOUR_MS);
    t.stays.push({ movements: [move(ward, randomBed(rng, ctx, ward), start, death)], startMs: start, endMs: death });
    t.deceasedMs = death;
    t.tags.push('deceased');
  } else if (plan !== 'outpatient') {
    const stay = closedStay(rng, ctx, notBefore, [1, 365]);
    if (stay) {
      t.stays.push(stay);
      t.tags.push('discharged');
    }
  }

  for (const s of t.stays) t.windows.push([s.startMs, Math.min(s.endMs ?? REFERENCE_MS, REFERENCE_MS - 30 * MINUTE_MS)]);
  if (t.stays.length === 0) {
    // Clinic visits: labs and prescriptions cluster on a few mornings.
    t.tags.push('outpatient');
    const visits = rng.int(1, 3);
    for (let v = 0; v < visits; v++) {
      const day = Math.floor((REFERENCE_MS - rng.int(1, 300) * DAY_MS) / DAY_MS) * DAY_MS;
      const start = Math.max(day + rng.int(7 * 60, 14 * 60) * MINUTE_MS, notBefore);
      t.windows.push([start, start + 90 * MINUTE_MS]);
    }
    t.windows.sort((a, b) => a[0] - b[0]);
  }
  return t;
}

interface Identity {
  familyName: string;
  givenNames: string[];
  sex: DemoSex;
  birthDate: string;
  nationalId: string;
  culture: string;
}

interface GeneratedPatient { patient: DemoPatient; timeline: Timeline; index: number }

function sampleSex(rng: Rng): DemoSex {
  return rng.weighted<DemoSex>([['female', 49], ['male', 49], ['other', 0.5], ['unknown', 1.5]]);
}

const nameSex = (rng: Rng, sex: DemoSex): NameSex => (sex === 'female' || sex === 'male' ? sex : rng.pick<NameSex>(['female', 'male']));

function generateBranchPatients(
  root: Rng,
  ctx: BranchCtx,
  n: number,
  nidOffset: number,
  mrnBase: number,
  mrnPrefix: string,
  shared: { identity: Identity | null },
): GeneratedPatient[] {
  const out: GeneratedPatient[] = [];
  const edgeQueue = EDGE_CASE_NAMES.filter((_, j) => j % 2 === ctx.index);
  let edgeNext = 0;
  let twin: { identity: Identity; wardCode: string; admittedMs: number } | null = null;

  for (let i = 0; i < n; i++) {
    const rng = root.fork(`patient/${ctx.branch.code}/${i}`);
    const role = roleAt(i, n);
    const key = rng.uuid();
    const tags: string[] = [];
    const copyShared = role === 'shared-national-id' && shared.identity !== null;

    // ---- identity
    let identity: Identity;
    if (copyShared && shared.identity) {
      identity = { ...shared.identity, givenNames: shared.identity.givenNames.slice() };
    } else if (role === 'twin-b' && twin) {
      const sex = sampleSex(rng) === 'female' ? 'female' : 'male';
      const given = pickSiblingGivenName(rng, twin.identity.culture, sex, twin.identity.givenNames);
      identity = { ...twin.identity, sex, givenNames: [given], nationalId: nationalIdFor(ctx.index * n + i, nidOffset) };
    } else {
      let sex: DemoSex = role === 'sex-other' ? 'other' : role === 'sex-unknown' ? 'unknown' : sampleSex(rng);
      let name: { familyName: string; givenNames: string[]; culture: string };
      const edgeEligible = role !== 'twin-a' && role !== 'twin-b';
      const edge = edgeEligible ? edgeQueue[edgeNext] : undefined;
      if (edge) {
        edgeNext++;
        name = { familyName: edge.familyName, givenNames: edge.givenNames.slice(), culture: edge.script };
        if (sex === 'female' || sex === 'male') sex = edge.sex;
      } else if (edgeEligible && rng.chance(0.02)) {
        // Real registers hold a few unusual names beyond the guaranteed ones, some of them twice.
        const e = rng.pick(EDGE_CASE_NAMES);
        name = { familyName: e.familyName, givenNames: e.givenNames.slice(), culture: e.script };
      } else {
        name = pickOrdinaryName(rng, nameSex(rng, sex));
      }
      // Forced cases are adults so that their prior stays always fit after birth.
      const [lo, hi] = role === 'deceased' ? [68, 96] : role === 'ordinary' ? rng.weighted(AGE_BANDS) : [18, 90];
      const age = rng.int(lo, hi);
      const birthDate = role === 'leap-day' ? `${rng.pick(LEAP_YEARS)}-02-29` : birthDateForAge(rng, age);
      identity = { ...name, sex, birthDate, nationalId: nationalIdFor(ctx.index * n + i, nidOffset) };
    }
    const birthMs = Date.parse(`${identity.birthDate}T00:00:00Z`);

    // ---- stays
    let plan: Plan;
    let bed: { wardCode: string; bed: string } | null = null;
    switch (role) {
      case 'twin-a':
        plan = 'inpatient';
        bed = ctx.pool.take(rng, { minFree: 2, force: true, exclude: [ctx.icu] }) ?? ctx.pool.take(rng, { minFree: 2, force: true });
        break;
      case 'twin-b':
        plan = 'inpatient';
        bed = twin ? ctx.pool.take(rng, { only: [twin.wardCode], force: true }) : null;
        break;
      case 'shared-national-id':
        // Same person: discharged from north months ago, in a south bed now.
        plan = copyShared ? 'inpatient' : 'discharged';
        if (copyShared) bed = ctx.pool.take(rng, { force: true });
        break;
      case 'moved':
        plan = 'moved';
        bed = ctx.pool.take(rng, { force: true, exclude: [ctx.icu] });
        break;
      case 'readmitted':
        plan = 'readmitted';
        bed = ctx.pool.take(rng, { force: true });
        break;
      case 'deceased':
        plan = 'deceased';
        break;
      default: {
        const wanted = rng.weighted<Plan>([['inpatient', 55], ['discharged', 30], ['outpatient', 15]]);
        if (wanted === 'inpatient') {
          bed = ctx.pool.take(rng);
          plan = bed === null ? 'discharged' : rng.weighted<Plan>([['inpatient', 87], ['moved', 8], ['readmitted', 5]]);
        } else if (wanted === 'discharged' && rng.chance(0.02)) {
          plan = 'deceased';
        } else {
          plan = wanted;
        }
      }
    }
    if ((plan === 'inpatient' || plan === 'moved' || plan === 'readmitted') && bed === null) plan = 'discharged';
    let timeline = planTimeline(rng, ctx, plan, birthMs, bed);
    if (role === 'twin-b' && twin && timeline.current) {
      // Admitted together (same accident, same ambulance), minutes apart.
      const admittedMs = twin.admittedMs + rng.int(2, 25) * MINUTE_MS;
      const current = timeline.current;
      timeline = {
        ...timeline,
        stays: [{ movements: [move(current.wardCode, current.bed, admittedMs, null)], startMs: admittedMs, endMs: null }],
        current: { ...current, admittedMs },
        windows: [[admittedMs, REFERENCE_MS - 30 * MINUTE_MS]],
      };
    }

    if (role === 'twin-a' || role === 'twin-b') tags.push('twin');
    if (role === 'shared-national-id') tags.push('shared-national-id');
    if (identity.birthDate.endsWith('-02-29')) tags.push('leap-day-birth');
    tags.push(...timeline.tags, ...nameTags(identity.familyName, identity.givenNames));

    const current = timeline.current;
    const patient: DemoPatient = {
      key,
      branchCode: ctx.branch.code,
      mrn: `${mrnPrefix}${String(mrnBase + i).padStart(6, '0')}`,
      nationalId: identity.nationalId,
      familyName: identity.familyName,
      givenNames: identity.givenNames.slice(),
      birthDate: identity.birthDate,
      sex: identity.sex,
      wardCode: current?.wardCode ?? null,
      bed: current?.bed ?? null,
      admittedAt: current ? toIso(current.admittedMs) : null,
      deceasedAt: timeline.deceasedMs === null ? null : toIso(timeline.deceasedMs),
      movements: timeline.stays.flatMap((s) => s.movements),
      tags,
    };
    if (role === 'twin-a' && current) twin = { identity, wardCode: current.wardCode, admittedMs: current.admittedMs };
    if (role === 'shared-national-id' && !copyShared) shared.identity = identity;
    out.push({ patient, timeline, index: i });
  }
  return out;
}

// ---------------------------------------------------------------- labs

const PANELS: Readonly<Record<string, readonly string[]>> = {
  cbc: ['718-7', '4544-3', '789-8', '787-2', '6690-2', '751-8', '777-3'],
  bmp: ['2951-2', '2823-3', '2075-0', '2028-9', '3094-0', '2160-0', '98979-8', '2345-7', '17861-6'],
  lft: ['1742-6', '1920-8', '6768-6', '2324-2', '1975-2', '1751-7'],
  coag: ['5902-2', '6301-6', '14979-9'],
  inflammation: ['1988-5', '33959-8'],
  cardiac: ['6598-7', '33762-6'],
  bloodGas: ['2744-1', '2019-8', '2703-7', '1960-4', '2524-7'],
  poc: ['15074-8'],
};
const SINGLE_TESTS = ['2777-1', '19123-9', '2532-0', '2157-6', '3040-3', '4548-4', '3016-3', '3024-7', '3255-7', '48065-7', '2093-3', '2085-9', '2571-8', '2276-4', '10535-3', '4092-3', '10839-9', '2339-0', '94500-6', '600-7'];

/** Minutes from draw to report, by panel. */
const TURNAROUND_MIN: Readonly<Record<string, readonly [number, number]>> = {
  poc: [1, 3], bloodGas: [3, 10], cbc: [25, 90], bmp: [35, 150], lft: [40, 180], coag: [30, 120],
  inflammation: [45, 180], cardiac: [40, 90], single: [60, 360], '600-7': [1440, 7200], '94500-6': [120, 480],
};

function test(code: string): LabTest {
  const t = findLabTest(code);
  if (!t) throw new Error(`lab table lacks ${code}`);
  return t;
}

const roundTo = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};

/** Mostly within range; otherwise anywhere in the span seen on wards (log-spread for wide spans). */
function sampleValue(rng: Rng, t: LabTest): number {
  const lo = t.referenceLow ?? t.typicalLow;
  const hi = t.referenceHigh ?? t.typicalHigh;
  let x: number;
  if (lo < hi && rng.chance(0.7)) x = rng.float(lo, hi);
  else if (t.typicalLow > 0 && t.typicalHigh / t.typicalLow > 20) x = Math.exp(rng.float(Math.log(t.typicalLow), Math.log(t.typicalHigh)));
  else x = rng.float(t.typicalLow, t.typicalHigh);
  return roundTo(x, t.decimals);
}

interface ResultSpec {
  value?: number;
  comparator?: LabComparator;
  valueString?: string;
  interpretation?: LabInterpretation | null;
  status?: DemoLabStatus;
  tags?: string[];
  key?: string;
}

interface LabCtx {
  rng: Rng;
  branchCode: string;
  patientKey: string | null;
  mrn: string;
  /** For results that depend on the patient (eGFR). */
  birthDate?: string;
  sex?: DemoSex;
}

/** Takes ISO strings so a panel formats its shared draw/report times once, not per analyte. */
function makeResult(ctx: LabCtx, t: LabTest, effectiveAt: string, issuedAt: string, spec: ResultSpec = {}): DemoLabResult {
  let value: number | null = null;
  let valueString: string | null = spec.valueString ?? null;
  let comparator: LabComparator | null = spec.comparator ?? null;
  let interpretation: LabInterpretation | null = null;
  if (t.answers.length > 0 && spec.value === undefined) {
    if (valueString === null) {
      const answer = ctx.rng.weighted(t.answers.map((a) => [a, a.abnormal ? 0.2 / (t.answers.length - 1) : 0.8] as const));
      valueString = answer.text;
    }
    const known = t.answers.find((a) => a.text === valueString);
    interpretation = known ? (known.abnormal ? 'A' : 'N') : null;
  } else if (valueString === null) {
    value = spec.value ?? sampleValue(ctx.rng, t);
    if (comparator === null && t.measuringLow !== null && value < t.measuringLow) [value, comparator] = [t.measuringLow, '<'];
    if (comparator === null && t.measuringHigh !== null && value > t.measuringHigh) [value, comparator] = [t.measuringHigh, '>'];
    interpretation = interpretLabValue(t, value, comparator);
  }
  if (spec.interpretation !== undefined) interpretation = spec.interpretation;
  const tags = spec.tags ? spec.tags.slice() : [];
  if (comparator !== null) tags.push('comparator');
  if (value !== null && t.referenceLow === null && t.referenceHigh === null) tags.push('no-reference-range');
  if (interpretation === 'LL' || interpretation === 'HH') tags.push('critical');
  return {
    key: spec.key ?? ctx.rng.uuid(),
    branchCode: ctx.branchCode,
    patientKey: ctx.patientKey,
    subjectMrn: ctx.mrn,
    loinc: t.code,
    display: t.display,
    value,
    valueString,
    comparator,
    unit: t.unit,
    referenceLow: t.referenceLow,
    referenceHigh: t.referenceHigh,
    interpretation,
    status: spec.status ?? 'final',
    effectiveAt,
    issuedAt,
    tags,
  };
}

/** Second-resolution report time after the draw, at least a minute before the reference
 *  instant so that a later correction still fits in. */
function reportTime(rng: Rng, effectiveMs: number, turnaround: readonly [number, number]): { issuedMs: number; capped: boolean } {
  const wanted = effectiveMs + rng.int(turnaround[0] * 60, turnaround[1] * 60) * 1000;
  const latest = REFERENCE_MS - rng.int(60, 600) * 1000;
  return wanted <= latest ? { issuedMs: wanted, capped: false } : { issuedMs: Math.max(latest, effectiveMs + 60_000), capped: true };
}

function pickWindowTime(rng: Rng, windows: readonly [number, number][]): number {
  const w = rng.pick(windows);
  return between(rng, w[0], w[1]);
}

function correctionOf(ctx: LabCtx, original: DemoLabResult, t: LabTest, newValue: number): DemoLabResult {
  const issuedMs = Math.min(Date.parse(original.issuedAt) + ctx.rng.int(20, 600) * 60_000, REFERENCE_MS);
  const fixed = makeResult(ctx, t, original.effectiveAt, toIso(issuedMs), { value: newValue, status: 'corrected', key: original.key, tags: ['corrected'] });
  original.tags.push('superseded');
  return fixed;
}

/** CKD-EPI 2021 (race-free) eGFR in mL/min/1.73 m² from serum creatinine (mg/dL), age and sex. */
export function ckdEpi2021(creatinineMgDl: number, age: number, female: boolean): number {
  const k = female ? 0.7 : 0.9;
  const a = female ? -0.241 : -0.302;
  const r = creatinineMgDl / k;
  return 142 * Math.min(r, 1) ** a * Math.max(r, 1) ** -1.2 * 0.9938 ** age * (female ? 1.012 : 1);
}

/** Haematocrit (%) goes with haemoglobin (g/dL): about three times it. */
export const HCT_PER_HB = 2.95;

/**
 * A patient's physiology over time: each test starts from a value of its own (mostly in range)
 * and drifts by at most a few per cent of its span per day, so a series changes as patients do
 * (creatinine does not go 5.5 → 1.0 → 5.2 in 36 hours). Derived tests follow their source:
 * haematocrit from haemoglobin, eGFR from creatinine, age and sex.
 */
interface Physiology {
  last: Map<string, { value: number; ms: number }>;
  ageAt(ms: number): number;
  female: boolean;
}

function drift(rng: Rng, phys: Physiology, t: LabTest, ms: number): number {
  const prev = phys.last.get(t.code);
  let x: number;
  if (!prev) x = sampleValue(rng, t);
  else {
    const days = Math.min(Math.abs(ms - prev.ms) / DAY_MS, 9);
    const step = (t.typicalHigh - t.typicalLow) * 0.04 * Math.sqrt(Math.max(days, 0.05));
    x = prev.value + (rng.next() + rng.next() + rng.next() - 1.5) * 2 * step;
  }
  x = roundTo(Math.min(Math.max(x, t.typicalLow), t.typicalHigh), t.decimals);
  phys.last.set(t.code, { value: x, ms });
  return x;
}

function coherentValue(rng: Rng, phys: Physiology, t: LabTest, ms: number, panel: ReadonlyMap<string, number>): number {
  if (t.code === '4544-3') {
    const hb = panel.get('718-7');
    if (hb !== undefined) return roundTo(Math.min(Math.max(hb * HCT_PER_HB + rng.float(-1.5, 1.5), 12), 65), t.decimals);
  }
  if (t.code === '98979-8') {
    const cr = panel.get('2160-0');
    if (cr !== undefined) return roundTo(ckdEpi2021(cr, phys.ageAt(ms), phys.female), t.decimals);
  }
  return drift(rng, phys, t, ms);
}

function regularLabs(ctx: LabCtx, timeline: Timeline, count: number, inIcu: boolean): DemoLabResult[] {
  const { rng } = ctx;
  const panelWeights: [string, number][] = [
    ['cbc', 20], ['bmp', 22], ['lft', 8], ['coag', 8], ['inflammation', 10], ['cardiac', 6],
    ['bloodGas', inIcu ? 12 : 1], ['poc', 12], ['single', 10],
  ];
  // Draws first, then their values in time order, so that each series is a trajectory.
  const draws: { panel: string; codes: readonly string[]; effectiveMs: number }[] = [];
  for (let n = 0; n < count; ) {
    const panel = rng.weighted(panelWeights);
    const codes = panel === 'single' ? [rng.pick(SINGLE_TESTS)] : (PANELS[panel] ?? []);
    draws.push({ panel, codes, effectiveMs: pickWindowTime(rng, timeline.windows) });
    n += codes.length;
  }
  draws.sort((a, b) => a.effectiveMs - b.effectiveMs);
  const birthMs = ctx.birthDate ? Date.parse(`${ctx.birthDate}T00:00:00Z`) : REFERENCE_MS - 60 * YEAR_MS;
  const phys: Physiology = { last: new Map(), ageAt: (ms) => Math.max(18, Math.floor((ms - birthMs) / YEAR_MS)), female: ctx.sex === 'female' };
  const drawn: DemoLabResult[] = [];
  for (const { panel, codes, effectiveMs } of draws) {
    const turnaround = TURNAROUND_MIN[codes.length === 1 ? (codes[0] ?? panel) : panel] ?? TURNAROUND_MIN[panel] ?? [30, 120];
    const { issuedMs, capped } = reportTime(rng, effectiveMs, turnaround);
    const effectiveAt = toIso(effectiveMs);
    const issuedAt = toIso(issuedMs);
    const values = new Map<string, number>();
    for (const code of codes) {
      if (drawn.length >= count) break;
      const t = test(code);
      const status: DemoLabStatus = capped ? 'preliminary' : rng.chance(0.01) ? 'amended' : 'final';
      const spec: ResultSpec = { status };
      // A culture not yet finished can only say what it has not grown so far.
      if (capped && code === '600-7') Object.assign(spec, { valueString: 'No growth to date', interpretation: null });
      else if (t.answers.length === 0) {
        spec.value = coherentValue(rng, phys, t, effectiveMs, values);
        values.set(code, spec.value);
      }
      drawn.push(makeResult(ctx, t, effectiveAt, issuedAt, spec));
    }
  }
  const first = drawn[0];
  if (first && rng.chance(0.01)) {
    // The occasional result that simply beat the patient record through the interface.
    const earliest = drawn.reduce((a, b) => (b.effectiveAt < a.effectiveAt ? b : a), first);
    earliest.patientKey = null;
    earliest.tags.push('before-patient');
  }
  const out: DemoLabResult[] = [];
  for (const r of drawn) {
    out.push(r);
    if (rng.chance(0.008)) {
      r.tags.push('duplicate');
      out.push({ ...r, tags: r.tags.slice() });
    } else if (r.value !== null && r.comparator === null && r.status === 'final' && rng.chance(0.004)) {
      const t = test(r.loinc);
      out.push(correctionOf(ctx, r, t, roundTo(r.value * rng.float(0.7, 1.3), t.decimals)));
    }
  }
  return out;
}

export const LAB_SCENARIOS = [
  'comparator-low', 'comparator-high', 'corrected', 'glucose-units', 'no-reference-range',
  'duplicate', 'before-patient', 'critical', 'text-value', 'qualitative-abnormal',
] as const;
export type LabScenario = (typeof LAB_SCENARIOS)[number];

/** Results that every non-empty branch must contain, whatever the random draw. */
function scenarioLabs(ctx: LabCtx, scenario: LabScenario, timeline: Timeline): DemoLabResult[] {
  const { rng } = ctx;
  const last = timeline.windows[timeline.windows.length - 1] ?? [REFERENCE_MS - DAY_MS, REFERENCE_MS - HOUR_MS];
  const effMs = between(rng, last[0], last[1]);
  const eff = toIso(effMs);
  const issued = (tat: readonly [number, number]): string => toIso(reportTime(rng, effMs, tat).issuedMs);
  switch (scenario) {
    case 'comparator-low':
      return [makeResult(ctx, test('1988-5'), eff, issued([45, 120]), { value: 0.1, comparator: '<', tags: [scenario] })];
    case 'comparator-high':
      return [makeResult(ctx, test('1988-5'), eff, issued([45, 120]), { value: 500, comparator: '>', tags: [scenario] })];
    case 'corrected': {
      // Classic: a haemolysed sample reports a critical potassium, the lab corrects it after a redraw check.
      const k = test('2823-3');
      const original = makeResult(ctx, k, eff, issued([30, 60]), { value: 6.9 });
      return [original, correctionOf(ctx, original, k, 4.3)];
    }
    case 'glucose-units': {
      const mmol = roundTo(rng.float(6.5, 14), 1);
      const poc = makeResult(ctx, test('15074-8'), eff, issued([1, 3]), { value: mmol, tags: [scenario] });
      const labEffMs = effMs + rng.int(2, 10) * MINUTE_MS;
      const lab = makeResult(ctx, test('2345-7'), toIso(labEffMs), toIso(reportTime(rng, labEffMs, [35, 90]).issuedMs), {
        value: Math.round(mmol * 18.016 + rng.int(-6, 6)),
        tags: [scenario],
      });
      return [poc, lab];
    }
    case 'no-reference-range':
      return [makeResult(ctx, test('10839-9'), eff, issued([40, 90]), { value: roundTo(rng.float(0.02, 2.5), 3), tags: [scenario] })];
    case 'duplicate': {
      const r = makeResult(ctx, test('2951-2'), eff, issued([35, 120]), { tags: [scenario] });
      return [r, { ...r, tags: r.tags.slice() }];
    }
    case 'before-patient': {
      // Drawn in the emergency department before registration finished.
      const first = timeline.windows[0] ?? last;
      const drawMs = floorMinute(first[0] - rng.int(30, 180) * MINUTE_MS);
      return [makeResult({ ...ctx, patientKey: null }, test('718-7'), toIso(drawMs), toIso(drawMs + rng.int(20, 40) * MINUTE_MS), { tags: [scenario] })];
    }
    case 'critical':
      return [makeResult(ctx, test('2823-3'), eff, issued([30, 60]), { value: 2.6, tags: [scenario] })];
    case 'text-value':
      return [makeResult(ctx, test('2823-3'), eff, issued([30, 60]), {
        valueString: 'Specimen haemolysed \u2013 please repeat', interpretation: null, tags: [scenario],
      })];
    case 'qualitative-abnormal':
      return [makeResult(ctx, test('600-7'), eff, issued([1440, 2880]), { valueString: 'Staphylococcus aureus', tags: [scenario] })];
  }
}

function byTime(a: DemoLabResult, b: DemoLabResult): number {
  return a.effectiveAt < b.effectiveAt ? -1 : a.effectiveAt > b.effectiveAt ? 1 : a.issuedAt < b.issuedAt ? -1 : a.issuedAt > b.issuedAt ? 1 : 0;
}

// ---------------------------------------------------------------- medications & referrals

interface MedicationEntry { code: string; display: string; sigs: readonly string[] }
/** RxNorm clinical drugs (SCD) common on medical and surgical wards. */
export const MEDICATION_CATALOG: readonly MedicationEntry[] = [
  { code: '197361', display: 'amlodipine 5 MG Oral Tablet', sigs: ['5 mg PO once daily', '5 mg PO once daily; hold if SBP < 100 mmHg'] },
  { code: '314076', display: 'lisinopril 10 MG Oral Tablet', sigs: ['10 mg PO once daily'] },
  { code: '860975', display: '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet', sigs: ['500 mg PO once daily with evening meal', '1000 mg PO once daily with evening meal'] },
  { code: '855332', display: 'warfarin sodium 5 MG Oral Tablet', sigs: ['5 mg PO at 18:00; dose per daily INR'] },
  { code: '1364445', display: 'apixaban 5 MG Oral Tablet', sigs: ['5 mg PO twice daily'] },
  { code: '854235', display: '0.4 ML enoxaparin sodium 100 MG/ML Prefilled Syringe', sigs: ['40 mg SC once daily'] },
  { code: '309362', display: 'clopidogrel 75 MG Oral Tablet', sigs: ['75 mg PO once daily'] },
  { code: '243670', display: 'aspirin 81 MG Oral Tablet', sigs: ['81 mg PO once daily'] },
  { code: '313782', display: 'acetaminophen 325 MG Oral Tablet', sigs: ['650 mg PO q6h PRN pain or fever (max 3 g/24 h)'] },
  { code: '310965', display: 'ibuprofen 200 MG Oral Tablet', sigs: ['400 mg PO q8h PRN pain, with food'] },
  { code: '866924', display: 'metoprolol tartrate 25 MG Oral Tablet', sigs: ['25 mg PO twice daily; hold if HR < 55/min'] },
  { code: '313988', display: 'furosemide 40 MG Oral Tablet', sigs: ['40 mg PO every morning'] },
  { code: '310798', display: 'hydrochlorothiazide 25 MG Oral Tablet', sigs: ['25 mg PO once daily'] },
  { code: '259255', display: 'atorvastatin 80 MG Oral Tablet', sigs: ['80 mg PO at night'] },
  { code: '312961', display: 'simvastatin 20 MG Oral Tablet', sigs: ['20 mg PO at night'] },
  { code: '1659149', display: 'piperacillin 4000 MG / tazobactam 500 MG Injection', sigs: ['4.5 g IV q8h as 4-hour extended infusion'] },
  { code: '1665021', display: 'ceftriaxone 1000 MG Injection', sigs: ['2 g IV once daily', '1 g IV once daily'] },
];

interface ReferralEntry { code: string; display: string; category: string; reasons: readonly string[] }
/** SNOMED CT procedures used as ServiceRequest codes. */
export const REFERRAL_CATALOG: readonly ReferralEntry[] = [
  { code: '183519002', display: 'Referral to cardiology service', category: 'referral', reasons: ['New atrial fibrillation', 'Troponin rise, ?NSTEMI', 'Heart failure with reduced ejection fraction'] },
  { code: '183545006', display: 'Referral to orthopedic service', category: 'referral', reasons: ['Suspected neck of femur fracture', 'Painful prosthetic knee'] },
  { code: '183524004', display: 'Referral to psychiatry service', category: 'referral', reasons: ['Delirium vs. depression, capacity assessment', 'Alcohol withdrawal'] },
  { code: '306170007', display: 'Referral to physiotherapy service', category: 'referral', reasons: ['Mobilisation after surgery', 'Deconditioning after ICU stay'] },
  { code: '103699006', display: 'Referral to dietitian', category: 'referral', reasons: ['Malnutrition risk (MUST score 2)', 'Newly diagnosed type 2 diabetes'] },
  { code: '308440001', display: 'Referral to social worker', category: 'referral', reasons: ['Lives alone, unsafe discharge', 'Carer breakdown'] },
  { code: '306362008', display: 'Referral to pharmacist', category: 'referral', reasons: ['Polypharmacy review (12 regular medicines)', 'Warfarin counselling'] },
  { code: '306237005', display: 'Referral to palliative care service', category: 'referral', reasons: ['Metastatic disease, symptom control'] },
  { code: '183561008', display: 'Referral to general practitioner', category: 'referral', reasons: ['Recheck renal function in 1 week'] },
  { code: '77477000', display: 'Computed tomography', category: 'imaging', reasons: ['Head injury on anticoagulation', 'Abdominal pain, ?perforation'] },
  { code: '113091000', display: 'Magnetic resonance imaging', category: 'imaging', reasons: ['Back pain with leg weakness, ?cord compression'] },
  { code: '399208008', display: 'Plain chest X-ray', category: 'imaging', reasons: ['Fever and cough, ?pneumonia', 'Position check after central line insertion'] },
  { code: '16310003', display: 'Diagnostic ultrasonography', category: 'imaging', reasons: ['Right upper quadrant pain', 'Acute kidney injury, exclude obstruction'] },
  { code: '40701008', display: 'Echocardiography', category: 'diagnostic', reasons: ['New murmur', 'Breathlessness with raised NT-proBNP'] },
  { code: '29303009', display: 'Electrocardiographic procedure', category: 'diagnostic', reasons: ['Chest pain', 'QTc monitoring on haloperidol'] },
  { code: '73761001', display: 'Colonoscopy', category: 'procedure', reasons: ['Iron deficiency anaemia', 'Change in bowel habit'] },
  { code: '76009000', display: 'Esophagogastroduodenoscopy', category: 'procedure', reasons: ['Melaena with haemoglobin drop of 2 g/dL'] },
  { code: '11429006', display: 'Consultation', category: 'consultation', reasons: ['Second opinion requested by family'] },
];

const MED_STATUSES = ['active', 'on-hold', 'stopped', 'completed'] as const;
const REF_STATUSES = ['draft', 'active', 'completed', 'revoked'] as const;
const PRIORITIES = ['routine', 'urgent', 'asap', 'stat'] as const;
const ZERO_TO_FOUR_MEDS: readonly (readonly [number, number])[] = [[0, 20], [1, 25], [2, 22], [3, 18], [4, 15]];
const ZERO_TO_FOUR_REFS: readonly (readonly [number, number])[] = [[0, 35], [1, 35], [2, 18], [3, 8], [4, 4]];

function medicationsFor(rng: Rng, g: GeneratedPatient): DemoMedication[] {
  const { patient, timeline, index } = g;
  // Patients 0–3 of each branch carry one order in each status, so every status is always present.
  const forced = MED_STATUSES[index];
  const count = Math.max(rng.weighted(ZERO_TO_FOUR_MEDS), forced ? 1 : 0);
  const admitted = timeline.current !== null;
  return rng.sample(MEDICATION_CATALOG, count).map((m, k) => {
    const status =
      k === 0 && forced ? forced
      : patient.deceasedAt ? 'stopped'
      : admitted ? rng.weighted<DemoMedication['status']>([['active', 70], ['on-hold', 10], ['stopped', 12], ['completed', 8]])
      : rng.weighted<DemoMedication['status']>([['active', 45], ['completed', 35], ['stopped', 20]]);
    return {
      key: rng.uuid(),
      branchCode: patient.branchCode,
      patientKey: patient.key,
      code: m.code,
      display: m.display,
      dosageText: rng.pick(m.sigs),
      status,
      intent: (k === 0 && index === 4) || rng.chance(0.1) ? 'plan' : 'order',
      authoredAt: toIso(pickWindowTime(rng, timeline.windows)),
    };
  });
}

function referralsFor(rng: Rng, g: GeneratedPatient): DemoReferral[] {
  const { patient, timeline, index } = g;
  const forced = index < 4;
  const count = Math.max(rng.weighted(ZERO_TO_FOUR_REFS), forced ? 1 : 0);
  const admitted = timeline.current !== null;
  return rng.sample(REFERRAL_CATALOG, count).map((r, k) => ({
    key: rng.uuid(),
    branchCode: patient.branchCode,
    patientKey: patient.key,
    code: r.code,
    display: r.display,
    category: r.category,
    status:
      k === 0 && forced ? (REF_STATUSES[index] ?? 'active')
      : admitted ? rng.weighted<DemoReferral['status']>([['active', 45], ['draft', 15], ['completed', 30], ['revoked', 10]])
      : rng.weighted<DemoReferral['status']>([['completed', 60], ['active', 20], ['revoked', 15], ['draft', 5]]),
    priority: k === 0 && forced ? (PRIORITIES[index] ?? 'routine') : rng.weighted<DemoReferral['priority']>([['routine', 55], ['urgent', 25], ['asap', 12], ['stat', 8]]),
    reason: rng.pick(r.reasons),
    authoredAt: toIso(pickWindowTime(rng, timeline.windows)),
  }));
}

// ---------------------------------------------------------------- entry point

function checkCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

export function generateDemoHospital(options: DemoHospitalOptions = {}): DemoHospital {
  const seed = options.seed ?? DEFAULT_SEED;
  const n = checkCount('patientsPerBranch', options.patientsPerBranch ?? DEFAULT_PATIENTS_PER_BRANCH);
  const labsOption = options.labsPerPatient === undefined ? undefined : checkCount('labsPerPatient', options.labsPerPatient);
  const labsEnabled = labsOption !== 0;
  const root = new Rng(seed, 'hospital');
  const branches = buildBranches();
  const nidOffset = root.fork('national-id').int(0, 999_999_999);
  const shared: { identity: Identity | null } = { identity: null };

  const patients: DemoPatient[] = [];
  const labResults: DemoLabResult[] = [];
  const medications: DemoMedication[] = [];
  const referrals: DemoReferral[] = [];

  branches.forEach((branch, index) => {
    const spec = BRANCH_SPECS[index];
    if (!spec) return;
    const ctx: BranchCtx = {
      branch,
      index,
      pool: new BedPool(branch.wards),
      icu: branch.wards.find((w) => w.code.endsWith('-icu'))?.code ?? branch.wards[0]?.code ?? '',
    };
    const mrnBase = root.fork(`mrn/${branch.code}`).int(1000, 90000);
    const generated = generateBranchPatients(root, ctx, n, nidOffset, mrnBase, spec.mrnPrefix, shared);

    for (const g of generated) {
      const { patient, timeline } = g;
      patients.push(patient);
      if (labsEnabled) {
        const rng = root.fork(`labs/${branch.code}/${g.index}`);
        const lctx: LabCtx = { rng, branchCode: branch.code, patientKey: patient.key, mrn: patient.mrn, birthDate: patient.birthDate, sex: patient.sex };
        const results = regularLabs(lctx, timeline, labsOption ?? rng.int(5, 40), timeline.current?.wardCode === ctx.icu);
        LAB_SCENARIOS.forEach((scenario, s) => {
          if (s % n === g.index) results.push(...scenarioLabs(lctx, scenario, timeline));
        });
        labResults.push(...results.sort(byTime));
      }
      medications.push(...medicationsFor(root.fork(`meds/${branch.code}/${g.index}`), g));
      referrals.push(...referralsFor(root.fork(`referrals/${branch.code}/${g.index}`), g));
    }

    if (labsEnabled && n > 0) {
      // A result for an MRN this branch has never registered (e.g. typed wrongly at the lab).
      const rng = root.fork(`labs/${branch.code}/unknown-subject`);
      const mrn = `${spec.mrnPrefix}${String(mrnBase + n + rng.int(100, 999)).padStart(6, '0')}`;
      const eff = between(rng, REFERENCE_MS - 2 * DAY_MS, REFERENCE_MS - 2 * HOUR_MS);
      labResults.push(makeResult({ rng, branchCode: branch.code, patientKey: null, mrn }, test('2160-0'), toIso(eff), toIso(eff + 45 * MINUTE_MS), { tags: ['unknown-subject'] }));
    }
  });

  const hospital = { branches, users: buildUsers(), patients, labResults, medications, referrals };
  return options.referenceInstant === undefined ? hospital : anchorAt(hospital, options.referenceInstant);
}

/** The hospital moved in time so that REFERENCE_INSTANT falls on `instant` (floored to the minute). */
function anchorAt(h: DemoHospital, instant: string): DemoHospital {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) throw new RangeError(`referenceInstant must be an ISO-8601 instant, got ${JSON.stringify(instant)}`);
  if (at < REFERENCE_MS) throw new RangeError(`referenceInstant must not be before ${REFERENCE_INSTANT} (birth dates would follow stays)`);
  const delta = floorMinute(at) - REFERENCE_MS;
  const shift = (iso: string): string => toIso(Date.parse(iso) + delta);
  const shiftOrNull = (iso: string | null): string | null => (iso === null ? null : shift(iso));
  return {
    ...h,
    patients: h.patients.map((p) => ({
      ...p,
      admittedAt: shiftOrNull(p.admittedAt),
      deceasedAt: shiftOrNull(p.deceasedAt),
      movements: p.movements.map((m) => ({ ...m, fromAt: shift(m.fromAt), toAt: shiftOrNull(m.toAt) })),
    })),
    labResults: h.labResults.map((r) => ({ ...r, effectiveAt: shift(r.effectiveAt), issuedAt: shift(r.issuedAt) })),
    medications: h.medications.map((m) => ({ ...m, authoredAt: shift(m.authoredAt) })),
    referrals: h.referrals.map((r) => ({ ...r, authoredAt: shift(r.authoredAt) })),
  };
}
