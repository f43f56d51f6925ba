import { useEffect, useRef, useState } from 'react';
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

/*
 * Dictation: the microphone through MediaRecorder, with an input level from an AnalyserNode so
 * the user sees that the microphone hears them. The recording is handed to the station core,
 * which keeps it locally; transcription happens server-side later.
 */
export function Dictation({ patientId, draftId }: { patientId: string; draftId: string | undefined }) {
  const [recording, setRecording] = useState(false);
  const [level, setLevel] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<Dictation[]>([]);
  const stop = useRef<(() => void) | null>(null);

  useEffect(() => {
    let live = true;
    void station.listDictations({ patientId }).then((r) => live && setSaved(r.dictations), () => {});
    return () => {
      live = false;
      stop.current?.();
    };
  }, [patientId]);

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
      void toBase64(blob)
        .then((audioBase64) =>
          station.saveDictation({ patientId, ...(draftId ? { draftId } : {}), mime: blob.type || 'audio/webm', durationMs: Math.round(performance.now() - began), audioBase64 }),
        )
        .then((d) => setSaved((s) => [...s, d]))
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
        {saved.length === 0 ? 'No dictations' : `${saved.length} dictation${saved.length > 1 ? 's' : ''} saved on this station (transcribed later)`}
      </span>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}
