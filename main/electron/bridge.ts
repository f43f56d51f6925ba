import type { z } from 'zod';
import { badTextMessage, findBadText } from '../../contract/text';

/*
 * The station API crosses the process boundary as one IPC channel per call, derived from the
 * contract (contract/station-api.ts): the preload exposes one function per call and the main
 * process validates every argument and every answer with the contract's schemas. There is no
 * generic "invoke any channel" anywhere (Electron's context-isolation guidance).
 */

export type ApiContract = Record<string, { input: z.ZodType; output: z.ZodType; cleaned?: readonly string[] }>;

export type ApiClient<C extends ApiContract> = {
  [K in keyof C]: (input: z.input<C[K]['input']>) => Promise<z.infer<C[K]['output']>>;
};

export type ApiImplementation<C extends ApiContract> = {
  [K in keyof C]: (input: z.infer<C[K]['input']>) => Promise<z.input<C[K]['output']>>;
};

export const CHANNEL_PREFIX = 'station:';

export function channelOf(name: string): string {
  return `${CHANNEL_PREFIX}${name}`;
}

/** What the preload hands to contextBridge: a frozen object of one function per call. */
export function buildPreloadApi<C extends ApiContract>(
  contract: C,
  invoke: (channel: string, input: unknown) => Promise<unknown>,
): ApiClient<C> {
  const api: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of Object.keys(contract)) {
    api[name] = (input: unknown) => invoke(channelOf(name), input);
  }
  return Object.freeze(api) as ApiClient<C>;
}

export interface IpcSender {
  /** The URL of the frame that sent the message. */
  senderUrl: string | null;
}

export interface IpcHost {
  handle(channel: string, listener: (sender: IpcSender, input: unknown) => Promise<unknown>): void;
}

/** A message the main process refuses: the renderer gets only this text, never internals. */
export class IpcRefusal extends Error {}

/**
 * Registers one handler per call. A message from a frame that is not ours is refused; an input
 * that does not match the contract never reaches the station core; an answer that does not
 * match the contract never reaches the renderer.
 */
export function registerApiHandlers<C extends ApiContract>(
  host: IpcHost,
  contract: C,
  impl: ApiImplementation<C>,
  isTrustedSender: (senderUrl: string | null) => boolean,
): void {
  for (const name of Object.keys(contract) as (keyof C & string)[]) {
    const { input: inSchema, output: outSchema, cleaned } = contract[name]!;
    const cleanedLater = new Set(cleaned ?? []);
    host.handle(channelOf(name), async (sender, raw) => {
      if (!isTrustedSender(sender.senderUrl)) throw new IpcRefusal('refused: unknown sender');
      const bad = findBadText(raw, { cleanedLater });
      if (bad) throw new IpcRefusal(`${badTextMessage(bad)} (${name})`);
      const parsed = inSchema.safeParse(raw);
      if (!parsed.success) {
        const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(input)'))].slice(0, 5);
        throw new IpcRefusal(`invalid input for ${name}: ${fields.join(', ')}`);
      }
      const call = impl[name] as (input: unknown) => Promise<unknown>;
      const result = await call(parsed.data);
      const out = outSchema.safeParse(result);
      if (!out.success) throw new IpcRefusal(`the station answered ${name} outside its contract`);
      return out.data;
    });
  }
}

/*
 * Events go the other way: the main process sends each on its own channel after checking the
 * payload against the contract, and the preload exposes one subscribe function per event
 * (returning its unsubscribe). The page never names a channel.
 */
export type EventContract = Record<string, z.ZodType>;

export type EventClient<E extends EventContract> = {
  [K in keyof E]: (listener: (payload: z.infer<E[K]>) => void) => () => void;
};

export const EVENT_CHANNEL_PREFIX = 'station-event:';

export function eventChannelOf(name: string): string {
  return `${EVENT_CHANNEL_PREFIX}${name}`;
}

/** What the preload hands to contextBridge for events: a frozen object of one subscribe function per event. */
export function buildPreloadEvents<E extends EventContract>(
  contract: E,
  subscribe: (channel: string, listener: (payload: unknown) => void) => () => void,
): EventClient<E> {
  const api: Record<string, (listener: (payload: unknown) => void) => () => void> = {};
  for (const name of Object.keys(contract)) {
    api[name] = (listener) => subscribe(eventChannelOf(name), (payload) => listener(payload));
  }
  return Object.freeze(api) as EventClient<E>;
}

export interface EventSourceOf<E extends EventContract> {
  on<K extends keyof E & string>(name: K, listener: (payload: z.infer<E[K]>) => void): () => void;
}

/** Forwards every event of the source to the window; a payload outside the contract is dropped. Returns the stop function. */
export function forwardEvents<E extends EventContract>(contract: E, source: EventSourceOf<E>, send: (channel: string, payload: unknown) => void): () => void {
  const stops = (Object.keys(contract) as (keyof E & string)[]).map((name) =>
    source.on(name, (payload) => {
      const parsed = contract[name]!.safeParse(payload);
      if (parsed.success) send(eventChannelOf(name), parsed.data);
    }),
  );
  return () => stops.forEach((stop) => stop());
}
