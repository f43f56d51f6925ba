import { findLabTest } from '../../contract/clinical/loinc';

/*
 * The cumulative lab table: one row per test, one column per draw time (newest first), as a
 * ward reads results. A corrected or amended result replaces the one it corrects in its cell; a
 * result delivered twice shows once.
 */

type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

export interface LabCell {
  text: string;
  /** H, L, HH, LL, A or ''. */
  flag: string;
  status: string;
  title: string;
}
export interface LabRow {
  loinc: string;
  short: string;
  display: string;
  unit: string;
  reference: string;
  cells: (LabCell | null)[];
}
export interface LabGrid {
  times: string[];
  rows: LabRow[];
}

const RANK: Record<string, number> = { corrected: 3, amended: 2, final: 1 };

function better(a: Row, b: Row): Row {
  const ra = RANK[str(a.status)] ?? 0;
  const rb = RANK[str(b.status)] ?? 0;
  if (ra !== rb) return ra > rb ? a : b;
  return str(a.issued_at) >= str(b.issued_at) ? a : b;
}

const minute = (v: unknown) => {
  const d = new Date(str(v));
  return Number.isNaN(d.getTime()) ? str(v) : d.toISOString().slice(0, 16);
};

export function cumulativeGrid(observations: readonly Row[], maxColumns = 8): LabGrid {
  const allTimes = [...new Set(observations.map((o) => minute(o.effective_at)))].sort().reverse();
  const times = allTimes.slice(0, maxColumns);
  const byTest = new Map<string, Map<string, Row>>();
  for (const o of observations) {
    const t = minute(o.effective_at);
    if (!times.includes(t)) continue;
    const code = str(o.loinc);
    const cells = byTest.get(code) ?? new Map<string, Row>();
    const had = cells.get(t);
    cells.set(t, had ? better(had, o) : o);
    byTest.set(code, cells);
  }
  const rows: LabRow[] = [...byTest].map(([loinc, cells]) => {
    const any = [...cells.values()][0]!;
    const test = findLabTest(loinc);
    const low = any.ref_low;
    const high = any.ref_high;
    return {
      loinc,
      short: test?.shortName ?? str(any.display),
      display: str(any.display),
      unit: str(any.unit),
      reference: low != null || high != null ? `${str(low)}–${str(high)}` : '',
      cells: times.map((t) => {
        const o = cells.get(t);
        if (!o) return null;
        const text = `${str(o.comparator)}${str(o.value_num ?? o.value_text)}`;
        const status = str(o.status);
        return { text, flag: str(o.interpretation) === 'N' ? '' : str(o.interpretation), status, title: `${str(o.display)}: ${text} ${str(o.unit)} (${status})` };
      }),
    };
  });
  // Panel order as the lab table lists tests; unknown codes last, by name.
  rows.sort((a, b) => a.short.localeCompare(b.short));
  return { times, rows };
}
