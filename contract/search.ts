/*
 * How a typed search and a stored name are compared, on the station and on the server alike:
 * compatibility-decomposed, combining marks (U+0300–U+036F) removed, lower-cased, and the
 * word-final sigma folded to σ ("Nguyễn" → "nguyen", "Schäfer" → "schafer", "ÖZTÜRK" → "ozturk").
 * The server's SQL function search_key() (the folded column its index serves) does exactly
 * this; search.int.test.ts in server/patients checks the two agree on the demo's hard names.
 */

const COMBINING = /[\u0300-\u036f]/g;

export function foldSearch(text: string): string {
  return text.normalize('NFKD').replace(COMBINING, '').toLowerCase().replaceAll('ς', 'σ');
}

/** The words of a search: folded, split on spaces and commas ("nguyen, an" → ["nguyen", "an"]). */
export function searchTerms(q: string): string[] {
  return foldSearch(q)
    .split(/[\s,]+/u)
    .filter((t) => t !== '');
}

export interface Searchable {
  mrn: string;
  nationalId: string | null;
  familyName: string;
  givenNames: readonly string[];
}

/**
 * Whether a patient matches every word of a search: each word is a prefix of the family name,
 * of any word of the family or given names, or of the MRN; or the whole national identifier.
 */
export function matchesSearch(p: Searchable, q: string): boolean {
  const terms = searchTerms(q);
  if (terms.length === 0) return true;
  const words = [p.familyName, ...p.familyName.split(/[\s-]+/u), ...p.givenNames.flatMap((g) => g.split(/[\s-]+/u))].map(foldSearch);
  const mrn = foldSearch(p.mrn);
  const nid = p.nationalId ? foldSearch(p.nationalId) : null;
  return terms.every((t) => words.some((w) => w.startsWith(t)) || mrn.startsWith(t) || nid === t);
}
