import type { SoapSectionName } from '../../../contract/soap';

/*
 * Parses the labelled evaluation notes: a `{S}`, `{O}`, `{A}` or `{P}` marker opens a labelled
 * statement, which runs to the next marker. The markers are removed to give the raw note; each
 * label is anchored at its statement's first non-blank character in that raw note.
 */

export interface LabelledNote {
  id: string;
  specialty: string;
  language: string;
  raw: string;
  labels: { anchor: number; section: SoapSectionName; text: string }[];
}

const SECTION: Record<string, SoapSectionName> = { S: 'subjective', O: 'objective', A: 'assessment', P: 'plan' };

export function parseLabelled(id: string, specialty: string, language: string, template: string): LabelledNote {
  const parts = template.split(/\{([SOAP])\}/);
  let raw = parts[0] ?? '';
  const labels: LabelledNote['labels'] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const section = SECTION[parts[i]!]!;
    const body = parts[i + 1] ?? '';
    const lead = body.length - body.trimStart().length;
    labels.push({ anchor: raw.length + lead, section, text: body.trim() });
    raw += body;
  }
  return { id, specialty, language, raw, labels };
}
