import { useCallback, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { DictationView } from '../../contract/station-api';
import { messageOf, station } from './api';
import { useStation } from './store';

type Dictation = z.infer<typeof DictationView>;

function toBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error('could not read the recording'));
    r.readAsDataURL(blob);
  });
}

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
 * (nothing is lost offline), then sent for transcription at once; if the server cannot take it
 * yet, the station core keeps retrying in the background. The transcript comes back as the
 * note's next version through sync, which moves the feed cursor: the list is read again then.
 */
export function Dictation({ patientId, ensureDraft }: { patientId: string; ensureDraft: () => Promise<string | undefined> }) {
  const [recording, setRecording] = useState(false);
  const [level, setLevel] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [lastError, setLastError] = useState<string | null>(null);
  const [saved, setSaved] = useState<Dictation[]>([]);
  const stop = useRef<(() => void) | null>(null);
  const waiting = saved.some((d) => !d.sentAt && d.draftId);
  const cursor = useStation((s) => (waiting ? s.status?.sync.cursor : null));

  const refresh = useCallback(async () => {
    setSaved((await station.listDictations({ patientId })).dictations);
  }, [patientId]);
  const send = async () => {
    try {
      setLastError((await station.sendDictations({})).lastError);
    } catch (e) {
      setLastError(messageOf(e));
    }
    await refresh().catch(() => {});
  };

  useEffect(() => {
    void refresh().catch(() => {});
  }, [refresh, cursor]);
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
      {waiting && lastError && <span className="muted small">Transcription waits: {lastError}.</span>}
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}
