/*
 * A signed note read as a clinical document: its sections ("Subjective:", "Objective:", …) as
 * headings, their "- " lines as a list, anything else as paragraphs; in the page's proportional
 * font. The text itself is shown whole, labels included: nothing signed is dropped.
 */
type Block = { kind: 'heading'; text: string } | { kind: 'list'; items: string[] } | { kind: 'para'; text: string };

function blocks(text: string): Block[] {
  const out: Block[] = [];
  for (const line of text.split('\n')) {
    const heading = /^([A-Z][A-Za-z /-]{1,40}):\s*$/.exec(line);
    const item = /^\s*[-•]\s+(.*)$/.exec(line);
    const last = out[out.length - 1];
    if (heading) out.push({ kind: 'heading', text: heading[1]! });
    else if (item) {
      if (last?.kind === 'list') last.items.push(item[1]!);
      else out.push({ kind: 'list', items: [item[1]!] });
    } else if (line.trim() !== '') {
      if (last?.kind === 'para') last.text += `\n${line}`;
      else out.push({ kind: 'para', text: line });
    }
  }
  return out;
}

export function SignedDocument({ text, headingLevel = 4 }: { text: string; headingLevel?: 3 | 4 | 5 }) {
  const H = `h${headingLevel}` as 'h4';
  return (
    <div className="signed-doc" data-testid="signed-document">
      {blocks(text).map((b, i) =>
        b.kind === 'heading' ? (
          <H key={i}>{b.text}</H>
        ) : b.kind === 'list' ? (
          <ul key={i}>
            {b.items.map((it, j) => (
              <li key={j}>{it}</li>
            ))}
          </ul>
        ) : (
          <p key={i}>{b.text}</p>
        ),
      )}
    </div>
  );
}

/** "2 Dec 2026, 14:05": a signature's date and time in the station's local time. */
export function signedWhen(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}
