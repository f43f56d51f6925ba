import { createHash } from 'node:crypto';
import type { ContentHash, SoapSections } from '../../contract/soap';

/*
 * The draft's content hash (contract/soap.ts ContentHash): SHA-256 over a canonical JSON of the
 * sections, so the same content always hashes the same whatever order a builder set its keys in.
 */

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    if (value === undefined) throw new TypeError('canonicalJson: undefined');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function contentHash(sections: SoapSections): ContentHash {
  return `sha256:${createHash('sha256').update(canonicalJson(sections), 'utf8').digest('hex')}`;
}
