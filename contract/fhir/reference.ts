const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * The id a reference points at when it names a resource of `type` ('Patient/123', a bare id,
 * or an absolute URL ending in 'Patient/123'); null for anything else.
 */
export function referencedId(reference: string, type: string): string | null {
  const parts = reference.split('/');
  if (parts.length === 1) return parts[0] ? parts[0] : null;
  const id = parts[parts.length - 1];
  const t = parts[parts.length - 2];
  if (t !== type || !id) return null;
  return id;
}
