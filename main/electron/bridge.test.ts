import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { buildPreloadApi, buildPreloadEvents, channelOf, eventChannelOf, forwardEvents, registerApiHandlers, type IpcHost, type IpcSender } from './bridge';
import { APP_ORIGIN, isOwnOrigin } from './security';

const contract = {
  saveDraft: { input: z.object({ draftId: z.string().uuid(), text: z.string().max(10) }), output: z.object({ saved: z.literal(true) }) },
  listPatients: { input: z.object({ q: z.string().optional() }), output: z.object({ patients: z.array(z.string()) }) },
} as const;

/** An in-memory stand-in for ipcMain/ipcRenderer: the same channel semantics, no Electron. */
function fakeIpc() {
  const handlers = new Map<string, (sender: IpcSender, input: unknown) => Promise<unknown>>();
  const host: IpcHost = { handle: (channel, fn) => void handlers.set(channel, fn) };
  const invokeFrom = (url: string | null) => async (channel: string, input: unknown) => {
    const h = handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h({ senderUrl: url }, input);
  };
  return { host, handlers, invokeFrom };
}

test('one channel and one preload function per contract call, nothing else', () => {
  const ipc = fakeIpc();
  const calls: string[] = [];
  registerApiHandlers(ipc.host, contract, {
    saveDraft: async () => (calls.push('save'), { saved: true as const }),
    listPatients: async () => ({ patients: [] }),
  }, isOwnOrigin);
  assert.deepEqual([...ipc.handlers.keys()].sort(), [channelOf('listPatients'), channelOf('saveDraft')]);
  const api = buildPreloadApi(contract, ipc.invokeFrom(`${APP_ORIGIN}/index.html`));
  assert.deepEqual(Object.keys(api).sort(), ['listPatients', 'saveDraft']);
  assert.ok(Object.isFrozen(api));
});

test('valid calls reach the implementation and answers are checked against the contract', async () => {
  const ipc = fakeIpc();
  let badAnswer = false;
  registerApiHandlers(ipc.host, contract, {
    saveDraft: async () => ({ saved: true as const }),
    listPatients: async () => (badAnswer ? ({ patients: [42] } as never) : { patients: ['a'] }),
  }, isOwnOrigin);
  const api = buildPreloadApi(contract, ipc.invokeFrom(`${APP_ORIGIN}/index.html`));
  assert.deepEqual(await api.saveDraft({ draftId: '0195f3a0-0000-7000-8000-000000000000', text: 'ok' }), { saved: true });
  assert.deepEqual(await api.listPatients({}), { patients: ['a'] });
  badAnswer = true;
  await assert.rejects(api.listPatients({}), /outside its contract/);
});

test('invalid input never reaches the station core', async () => {
  const ipc = fakeIpc();
  let reached = 0;
  registerApiHandlers(ipc.host, contract, {
    saveDraft: async () => (reached++, { saved: true as const }),
    listPatients: async () => ({ patients: [] }),
  }, isOwnOrigin);
  const invoke = ipc.invokeFrom(`${APP_ORIGIN}/index.html`);
  for (const bad of [null, 'x', { draftId: 'not-a-uuid', text: 'x' }, { draftId: '0195f3a0-0000-7000-8000-000000000000', text: 'far too long text' }, { __proto__: { text: 1 } }]) {
    await assert.rejects(invoke(channelOf('saveDraft'), bad), /invalid input for saveDraft/);
  }
  assert.equal(reached, 0);
});

test('messages from any other origin are refused', async () => {
  const ipc = fakeIpc();
  registerApiHandlers(ipc.host, contract, { saveDraft: async () => ({ saved: true as const }), listPatients: async () => ({ patients: [] }) }, isOwnOrigin);
  for (const url of ['https://evil.example/', 'file:///etc/passwd', 'wardstation://station.evil/', null]) {
    await assert.rejects(ipc.invokeFrom(url)(channelOf('listPatients'), {}), /unknown sender/);
  }
});

const events = { outboxChanged: z.object({ pending: z.number().int() }), status: z.object({ locked: z.boolean() }) } as const;

test('events: one channel and one preload subscribe function per contract event; payloads checked', () => {
  const listeners = new Map<string, (payload: unknown) => void>();
  const source = {
    on(name: string, l: (payload: never) => void) {
      listeners.set(name, l as (payload: unknown) => void);
      return () => listeners.delete(name);
    },
  };
  const sent: [string, unknown][] = [];
  const stop = forwardEvents(events, source, (channel, payload) => sent.push([channel, payload]));
  listeners.get('outboxChanged')!({ pending: 2 });
  listeners.get('outboxChanged')!({ pending: 'two' });
  listeners.get('status')!({ locked: true, extra: 'dropped by the schema' });
  assert.deepEqual(sent, [[eventChannelOf('outboxChanged'), { pending: 2 }], [eventChannelOf('status'), { locked: true }]]);
  stop();
  assert.equal(listeners.size, 0);

  const subscribed: string[] = [];
  const api = buildPreloadEvents(events, (channel, l) => {
    subscribed.push(channel);
    l({ pending: 1 });
    return () => {};
  });
  assert.deepEqual(Object.keys(api).sort(), ['outboxChanged', 'status']);
  assert.ok(Object.isFrozen(api));
  const got: unknown[] = [];
  api.outboxChanged((p) => got.push(p));
  assert.deepEqual(subscribed, [eventChannelOf('outboxChanged')]);
  assert.deepEqual(got, [{ pending: 1 }]);
});
