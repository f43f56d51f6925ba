import type { FastifyInstance } from 'fastify';
import type { ReleaseSignal } from '../../../contract/releases';
import { createSignalHub, listenForSignals, type SignalHub } from '../../releases/signals';
import type { AppContext } from '../context';

/*
 * One signal hub per server instance. With a database URL it LISTENs, so an action taken on any
 * instance (or by the admin CLI) reaches the stations connected to every instance; without one,
 * the routes publish their own actions in-process.
 */
const hubs = new WeakMap<FastifyInstance, SignalHub>();

export function releaseSignalHub(app: FastifyInstance, ctx: AppContext): SignalHub {
  let hub = hubs.get(app);
  if (hub) return hub;
  hub = createSignalHub();
  hubs.set(app, hub);
  const url = ctx.databaseUrl;
  if (url) {
    let stop: (() => Promise<void>) | null = null;
    app.addHook('onReady', async () => {
      stop = listenForSignals(url, hub, (kind) => ctx.log.warn('release signals', { error: kind }));
    });
    app.addHook('onClose', async () => {
      await stop?.();
    });
  }
  return hub;
}

/** After a committed action: the NOTIFY already travels when we LISTEN; otherwise publish here. */
export function signalAfterCommit(app: FastifyInstance, ctx: AppContext, signal: ReleaseSignal): void {
  if (!ctx.databaseUrl) releaseSignalHub(app, ctx).publish(signal);
}

/*
 * Release state changed by a route of this instance: its feed cache is emptied before the route
 * answers, so whoever reads the feed after the answer (IT checking, a test) sees the change. The
 * NOTIFY that empties it on every other instance arrives a moment later.
 */
const stateListeners = new WeakMap<FastifyInstance, Set<() => void>>();

export function onReleaseStateChanged(app: FastifyInstance, fn: () => void): void {
  const set = stateListeners.get(app) ?? new Set();
  set.add(fn);
  stateListeners.set(app, set);
}

export function releaseStateChanged(app: FastifyInstance): void {
  for (const fn of stateListeners.get(app) ?? []) fn();
}
