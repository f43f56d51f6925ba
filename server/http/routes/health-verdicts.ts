import type { FastifyInstance } from 'fastify';
import type { RolloutState } from '../../../contract/releases';
import { evaluateRollout } from '../../releases/health-gate';
import type { AppContext } from '../context';

/*
 * Health verdicts of one server instance, shared by every route that records station health
 * (the /updates/health report and the reports riding on sync traffic). One evaluation at a time
 * per channel and branch (rollouts are scoped to a branch or the group); reports arriving while one runs share the next one, which starts after it and so
 * sees their rows: a fleet reporting at once costs a few comparisons, not one per report.
 */
type Verdict = (channel: string, branchId: number) => Promise<RolloutState | null>;
const perApp = new WeakMap<FastifyInstance, Verdict>();

export function healthVerdicts(app: FastifyInstance, ctx: AppContext): Verdict {
  const existing = perApp.get(app);
  if (existing) return existing;
  const running = new Map<string, Promise<RolloutState | null>>();
  const queued = new Map<string, Promise<RolloutState | null>>();
  const verdict: Verdict = (channel, branchId) => {
    const key = `${channel}/${branchId}`;
    const next = queued.get(key);
    if (next) return next;
    const current = running.get(key);
    const start = (): Promise<RolloutState | null> => {
      queued.delete(key);
      const p = evaluateRollout(ctx.db, channel, branchId).finally(() => {
        if (running.get(key) === p) running.delete(key);
      });
      running.set(key, p);
      return p;
    };
    if (!current) return start();
    const p = current.catch(() => null).then(start);
    queued.set(key, p);
    return p;
  };
  perApp.set(app, verdict);
  return verdict;
}
