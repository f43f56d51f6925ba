import { writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { generateRawNotes } from '../../../contract/demo/notes';
import { saveDraft } from '../drafts';
import { openStore } from '../store';

/*
 * Crash-test child: saves drafts as fast as it can and acknowledges each save on stdout only
 * after saveDraft returned (writeSync: the line leaves before the next save starts).
 */
const file = process.argv[2];
if (!file) process.exit(2);
const db = openStore(file);
const notes = generateRawNotes({ count: 20, seed: 11 }).map((n) => n.text.slice(0, 2000));
const drafts = Array.from({ length: 8 }, () => ({ id: randomUUID(), patientId: randomUUID() }));
writeSync(1, 'ready\n');
for (let n = 0; ; n++) {
  const d = drafts[n % drafts.length]!;
  saveDraft(db, 1 + (n % 2), { draftId: d.id, patientId: d.patientId, text: `${notes[n % notes.length]} #${n}` });
  writeSync(1, `${d.id} ${n}\n`);
}
