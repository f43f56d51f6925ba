import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/*
 * Audio for Chromium's fake microphone: spoken words by espeak-ng where it is installed, else a
 * warbling tone (still a real signal for the level meter and the recorder).
 */
export function makeDictationWav(file: string, words: string): 'speech' | 'tone' {
  const r = spawnSync('espeak-ng', ['-w', file, words], { encoding: 'utf8' });
  if (r.status === 0) return 'speech';
  const rate = 48_000;
  const seconds = 4;
  const n = rate * seconds;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const f = 220 + 80 * Math.sin(2 * Math.PI * 3 * t);
    data.writeInt16LE(Math.round(Math.sin(2 * Math.PI * f * t) * 0.5 * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([header, data]));
  return 'tone';
}
