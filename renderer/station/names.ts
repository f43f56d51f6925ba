/** How a patient's name is shown everywhere: FAMILY, Given names (a single name stands alone). */
export function displayName(p: { familyName: string; givenNames: readonly string[] }): string {
  const given = p.givenNames.filter((g) => g.trim() !== '').join(' ');
  return given ? `${p.familyName.toUpperCase()}, ${given}` : p.familyName.toUpperCase();
}

/** Ward order: by bed (rooms then bed letter), patients without a bed last, then by name. */
export function byBed<T extends { bed: string | null; familyName: string }>(a: T, b: T): number {
  if (a.bed === null || b.bed === null) return a.bed === b.bed ? a.familyName.localeCompare(b.familyName) : a.bed === null ? 1 : -1;
  return a.bed.localeCompare(b.bed, undefined, { numeric: true }) || a.familyName.localeCompare(b.familyName);
}
