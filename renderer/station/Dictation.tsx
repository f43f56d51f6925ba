import { useCallback, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { DictationView } from '../../contract/station-api';
import { messageOf, station } from './api';

type Dictation = z.infer<typeof DictationView>;

function toBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error('could not read the recording'));
    r.readAsDataURL(blob);
  });
}

const RETRY_MS = 5000;
const MAX_RETRY_MS = 60_000;

function countText(saved: Dictation[]): string {
  if (saved.length === 0) return 'No dictations';
  const waiting = saved.filter((d) => !d.sentAt).length;
  const done = saved.length - waiting;
  const parts = [];
  if (done > 0) parts.push(`${done} dictation${done > 1 ? 's' : ''} transcribed into the note`);
  if (waiting > 0) parts.push(`${waiting} dictation${waiting > 1 ? 's' : ''} saved on this station`);
  return parts.join(', ');
}

/*
 * Dictation: the microphone through MediaRecorder, with an input level from an AnalyserNode so
 * the user sees that the microphone hears them. The recording is kept by the station core first
 * (nothing is lost offline), then sent for transcription; the transcript comes back as the
 * note's next version through sync. While recordings wait, sending is retried.
 */
export function Dictation({ patientId, ensureDraft }: { patientId: string; ensureDraft: () => Promise<string | undefined> }) {
  const [recording, setRecording] = useState(false);
  const [level, setLevel] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [saved, setSaved] = useState<Dictation[]>([]);
  const stop = useRef<(() => void) | null>(null);

  const refresh = useCallback(async () => {
    const r = await station.listDictations({ patientId });
    setSaved(r.dictations);
    return r.dictations;
  }, [patientId]);
  // Sends what waits; answers whether recordings still wait (offline, no speech-to-text yet).
  const send = useCallback(async (): Promise<boolean> => {
    let waiting = false;
    try {
      const r = await station.sendDictations({});
      waiting = r.pending > 0;
      setNote(waiting && r.lastError ? `Transcription waits: ${r.lastError}.` : null);
    } catch (e) {
      waiting = true;
      setNote(`Transcription waits: ${messageOf(e)}.`);
    }
    await refresh().catch(() => {});
    return waiting;
  }, [refresh]);

  useEffect(() => {
    void refresh().catch(() => {});
  }, [refresh]);

  // While recordings of this patient wait, retry, backing off (5 s doubling to a minute) so a
  // server without speech-to-text is not asked every few seconds all day.
  const waiting = saved.some((d) => !d.sentAt && d.draftId);
  useEffect(() => {
    if (!waiting) return;
    let live = true;
    let delay = RETRY_MS;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      const still = await send();
      if (!live || !still) return;
      delay = Math.min(delay * 2, MAX_RETRY_MS);
      timer = setTimeout(() => void tick(), delay);
    };
    timer = setTimeout(() => void tick(), delay);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [waiting, send]);
  useEffect(() => () => stop.current?.(), []);

  const start = async () => {
    setError(null);
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      setError('No microphone available (or access refused).');
      return;
    }
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    let frame = 0;
    const meter = () => {
      analyser.getByteTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += ((s - 128) / 128) ** 2;
      setLevel(Math.min(1, Math.sqrt(sum / samples.length) * 3));
      frame = requestAnimationFrame(meter);
    };
    meter();
    const recorder = new MediaRecorder(stream);
    const chunks: Blob[] = [];
    const began = performance.now();
    recorder.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    recorder.onstop = () => {
      cancelAnimationFrame(frame);
      stream.getTracks().forEach((t) => t.stop());
      void audio.close();
      setLevel(0);
      const blob = new Blob(chunks, { type: recorder.mimeType || 'audio/webm' });
      if (blob.size === 0) return;
      const durationMs = Math.round(performance.now() - began);
      void Promise.all([toBase64(blob), ensureDraft()])
        .then(([audioBase64, draftId]) => station.saveDictation({ patientId, ...(draftId ? { draftId } : {}), mime: blob.type || 'audio/webm', durationMs, audioBase64 }))
        .then(async (d) => {
          setSaved((s) => [...s, d]);
          await send();
        })
        .catch((e: unknown) => setError(messageOf(e)));
    };
    recorder.start(250);
    stop.current = () => {
      stop.current = null;
      if (recorder.state !== 'inactive') recorder.stop();
      setRecording(false);
    };
    setRecording(true);
  };

  return (
    <div className="dictation">
      <button type="button" aria-pressed={recording} className={recording ? 'recording' : ''} onClick={() => (recording ? stop.current?.() : void start())}>
        {recording ? '■ Stop dictation' : '● Dictate'}
      </button>
      <label className="meter">
        Input level
        <meter min={0} max={1} low={0.05} high={0.8} optimum={0.4} value={level} data-testid="input-level" />
      </label>
      <span className="muted" data-testid="dictation-count" aria-live="polite">
        {countText(saved)}
      </span>
      {note && <span className="muted small">{note}</span>}
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}
