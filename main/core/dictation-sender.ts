import type { StationHandlers } from '../../contract/station-api';
import { waitingDictations } from './dictations';
import type { Sessions } from './session';
import type { Store } from './store';

/*
 * Recordings wait on the station until the server has transcribed them. The composer sends them
 * while it is open; this sends them in the background too, so a dictation made offline reaches
 * its note once the server is back even if nobody opens that patient again. Only the signed-in,
 * unlocked user's recordings go (their session token carries them), backing off while the server
 * cannot take them (offline, no speech-to-text configured).
 */

const MAX_DELAY_MS = 5 * 60_000;

export interface DictationSender {
  stop(): Promise<void>;
}

export function startDictationSender(store: Store, sessions: Sessions, notes: Pick<StationHandlers, 'sendDictations'>, baseMs: number): DictationSender {
  if (baseMs <= 0) return { stop: async () => {} };
  let delay = baseMs;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout>;

  async function tick(): Promise<void> {
    const user = sessions.locked() ? null : sessions.current()?.user;
    if (!user || waitingDictations(store, user.id) === 0) {
      delay = baseMs;
      return;
    }
    try {
      const r = await notes.sendDictations({});
      delay = r.pending > 0 ? Math.min(delay * 2, MAX_DELAY_MS) : baseMs;
    } catch {
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, delay);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
