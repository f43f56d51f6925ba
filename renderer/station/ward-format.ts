import type { LookAlike } from '../../contract/station-api';
import { LOOK_ALIKE_WORDS } from '../../contract/ward';

/** "30 Nov · day 3": the admission date and the day of stay (the admission day is day 1). */
export function admissionDay(admittedAt: string | null | undefined, now: Date): string {
  if (!admittedAt) return '—';
  const at = new Date(admittedAt);
  if (Number.isNaN(at.getTime())) return '—';
  const day = Math.floor((Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) - Date.UTC(at.getFullYear(), at.getMonth(), at.getDate())) / 86_400_000) + 1;
  const date = at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
  return day >= 1 ? `${date} · day ${day}` : date;
}

/** "Look-alike: NGUYEN, An (bed 04B) — same family name, same birth date". */
export function lookAlikeText(list: readonly LookAlike[]): string {
  return list
    .map((l) => `${l.name}${l.bed ? ` (bed ${l.bed})` : ''} — ${l.reasons.map((r) => LOOK_ALIKE_WORDS[r]).join(', ')}`)
    .join('; ');
}
