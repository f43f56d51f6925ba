import { useEffect } from 'react';
import { useStation } from './store';

/** Idle time before the station locks itself when the core does not say (StationStatus.idleLockSeconds). */
export const IDLE_LOCK_MS = 5 * 60 * 1000;

/** Locks after IDLE_LOCK_MS without input, and at once on Ctrl+L (one keystroke, any screen). */
export function useIdleLock(active: boolean, idleMs = IDLE_LOCK_MS): void {
  const lock = useStation((s) => s.lock);
  useEffect(() => {
    if (!active) return;
    let timer = setTimeout(() => void lock(), idleMs);
    const activity = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void lock(), idleMs);
    };
    const key = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'l') {
        e.preventDefault();
        void lock();
        return;
      }
      activity();
    };
    window.addEventListener('keydown', key, true);
    window.addEventListener('pointerdown', activity, true);
    window.addEventListener('wheel', activity, { passive: true, capture: true });
    return () => {
      clearTimeout(timer);
      window.removeEventListener('keydown', key, true);
      window.removeEventListener('pointerdown', activity, true);
      window.removeEventListener('wheel', activity, true);
    };
  }, [active, idleMs, lock]);
}
