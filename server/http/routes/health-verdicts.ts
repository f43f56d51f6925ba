import type { FastifyInstance } from 'fastify';
import type { RolloutState } from '../../../contract/releases';
import { evaluateRollout } from '../../releases/health-gate';
import type { AppContext } from '../context';

/*
 * Health verdicts of one server instance, shared by every route that records station health
 * (the /updates/health report and the reports riding on sync traffic). One evaluation at a time
 * per channel; reports arriving while one runs share the next one, which starts after it and so
 * sees their rows: a fleet reporting at once costs a few comparisons, not one per report.
 */
const perApp = new WeakMap<FastifyInstance, (channel: string) => Promise<RolloutState | null>>();

export function healthVerdicts(app: FastifyInstance, ctx: AppContext): (channel: string) => Promise<RolloutState | null> {
  const existing = perApp.get(app);
  if (existing) return existing;
  const running = new Map<string, Promise<RolloutState | null>>();
  const queued = new Map<string, Promise<RolloutState | null>>();
  const verdict = (channel: string): Promise<RolloutState | null> => {
    const next = queued.get(channel);
    if (next) return next;
    const current = running.get(channel);
    const start = (): Promise<RolloutState | null> => {
      queued.delete(channel);
      const p = evaluateRollout(ctx.db, channel).finally(() => {
        if (running.get(channel) === p) running.delete(channel);
      });
      running.set(channel, p);
      return p;
    };
    if (!current) return start();
    const p = current.catch(() => null).then(start);
    queued.set(channel, p);
    return p;
  };
  perApp.set(app, verdict);
  return verdict;
}
