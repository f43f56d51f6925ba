import type { GeneratedSoap, SoapSections, CheckedStatement, GeneratedStatement } from '../../contract/soap';
import { SOAP_SECTIONS } from '../../contract/soap';
import { foldForMatch } from './text';

/*
 * The evidence check: the server, not the model, decides whether a statement is grounded. A
 * statement is supported only when every one of its quotes occurs in the raw note after
 * whitespace folding (see text.ts). Case and wording must match: a paraphrase is not a quote.
 */

export interface EvidenceIndex {
  has(quote: string): boolean;
}

export function evidenceIndex(rawNote: string): EvidenceIndex {
  const folded = foldForMatch(rawNote);
  return {
    has(quote) {
      const q = foldForMatch(quote);
      return q.length > 0 && folded.includes(q);
    },
  };
}

export function checkStatement(index: EvidenceIndex, s: GeneratedStatement): CheckedStatement {
  return { text: s.text, quotes: s.quotes, supported: s.quotes.length > 0 && s.quotes.every((q) => index.has(q)) };
}

export function checkEvidence(rawNote: string, generated: GeneratedSoap): SoapSections {
  const index = evidenceIndex(rawNote);
  const out = {} as SoapSections;
  for (const name of SOAP_SECTIONS) out[name] = generated[name].map((s) => checkStatement(index, s));
  return out;
}

export function countUnsupported(sections: SoapSections): number {
  let n = 0;
  for (const name of SOAP_SECTIONS) for (const s of sections[name]) if (!s.supported) n++;
  return n;
}
