/**
 * A server task run every `intervalMs` (0 or less: never): one round at a time (a round still
 * running when the next is due is not doubled), the timer keeps no process alive, and stop()
 * waits for the round in flight. `round` gets whether stop() was called, to end early between
 * steps; it handles its own errors (a rejected round is ignored, the next one runs as planned).
 */
export function runPeriodically(intervalMs: number, round: (stopping: () => boolean) => Promise<void>): { stop(): Promise<void> } {
  if (intervalMs <= 0) return { stop: async () => {} };
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    running ??= round(() => stopped)
      .catch(() => {})
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
