import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createUpdatePolicy, safeToInstall, UPDATER_SETTINGS, type StationActivity, type Timers, type UpdateHost } from './policy';

const OPTIONS = { checkIntervalMs: 60_000, idleBeforeInstallMs: 600_000 };

function fakeHost(offer: () => string | null) {
  const log: string[] = [];
  let activity: StationActivity = { locked: false, idleMs: 0, noteOpen: true, unsavedChanges: true };
  let release: (() => void) | null = null;
  const host: UpdateHost = {
    async check() {
      log.push('check');
      return offer();
    },
    download(v) {
      log.push(`download ${v}`);
      return new Promise<void>((r) => (release = r));
    },
    install(v) {
      log.push(`install ${v}`);
    },
    activity: () => activity,
  };
  return {
    host,
    log,
    set(a: Partial<StationActivity>) {
      activity = { ...activity, ...a };
    },
    finishDownload() {
      release?.();
      release = null;
    },
  };
}

const manualTimers = () => {
  const fns: (() => void)[] = [];
  const timers: Timers = { setInterval: (fn) => fns.push(fn), clearInterval: () => fns.splice(0) };
  return { timers, fire: () => fns.forEach((f) => f()), count: () => fns.length };
};

const settle = () => new Promise((r) => setImmediate(r));

test('electron-updater runs with allowDowngrade on and installs only when the policy says', () => {
  assert.equal(UPDATER_SETTINGS.allowDowngrade, true);
  assert.equal(UPDATER_SETTINGS.autoInstallOnAppQuit, false);
});

test('never installs with unsaved changes; when locked, yes; when unlocked, only idle with no note open', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.nat(2_000_000), fc.boolean(), fc.boolean(), (locked, idleMs, noteOpen, unsavedChanges) => {
      const ok = safeToInstall({ locked, idleMs, noteOpen, unsavedChanges }, OPTIONS);
      if (unsavedChanges) assert.equal(ok, false);
      else if (locked) assert.equal(ok, true);
      else assert.equal(ok, !noteOpen && idleMs >= OPTIONS.idleBeforeInstallMs);
    }),
  );
});

test('a server signal checks and downloads in the background; install waits until the station is locked', async () => {
  const h = fakeHost(() => '1.1.0');
  const policy = createUpdatePolicy(h.host, OPTIONS, manualTimers().timers);
  const signalled = policy.onServerSignal();
  await settle();
  assert.equal(policy.phase, 'downloading');
  h.finishDownload();
  await signalled;
  assert.equal(policy.phase, 'ready');
  assert.deepEqual(h.log, ['check', 'download 1.1.0'], 'no install while a note is open and unsaved');
  h.set({ unsavedChanges: false, noteOpen: false, idleMs: 1000 });
  policy.onActivityChange();
  assert.equal(policy.phase, 'ready', 'a minute of idleness is not enough');
  h.set({ locked: true });
  policy.onActivityChange();
  assert.deepEqual(h.log, ['check', 'download 1.1.0', 'install 1.1.0']);
});

test('a rollback signalled during a download is checked right after it; the downgrade is what installs', async () => {
  let offer = '1.1.0';
  const h = fakeHost(() => offer);
  h.set({ locked: true, unsavedChanges: false });
  const policy = createUpdatePolicy(h.host, OPTIONS, manualTimers().timers);
  const first = policy.onServerSignal();
  await settle();
  offer = '1.0.0';
  await policy.onServerSignal(); // during the download: queued
  h.finishDownload();
  await settle();
  await settle();
  h.finishDownload();
  await first;
  assert.deepEqual(h.log, ['check', 'download 1.1.0', 'check', 'download 1.0.0', 'install 1.0.0']);
});

test('periodic checks run without a signal; a check that finds nothing clears a pending update', async () => {
  let offer: string | null = '1.1.0';
  const h = fakeHost(() => offer);
  const t = manualTimers();
  const policy = createUpdatePolicy(h.host, OPTIONS, t.timers);
  policy.start();
  await settle();
  h.finishDownload();
  await settle();
  assert.equal(policy.readyVersion, '1.1.0');
  offer = null;
  t.fire();
  await settle();
  assert.equal(policy.readyVersion, null);
  assert.equal(policy.phase, 'idle');
  policy.stop();
  assert.equal(t.count(), 0);
  assert.equal(h.log.filter((l) => l === 'check').length, 2);
});

test('without an installer (main/host) a ready update stays ready, and a rollback after it still downloads', async () => {
  let offer = '1.1.0';
  const h = fakeHost(() => offer);
  h.host.install = (v) => {
    h.log.push(`no installer for ${v}`);
    return false;
  };
  h.set({ locked: true, unsavedChanges: false });
  const policy = createUpdatePolicy(h.host, OPTIONS, manualTimers().timers);
  const first = policy.onServerSignal();
  await settle();
  h.finishDownload();
  await first;
  assert.equal(policy.phase, 'ready');
  offer = '1.0.0';
  const second = policy.onServerSignal();
  await settle();
  h.finishDownload();
  await second;
  assert.equal(policy.readyVersion, '1.0.0');
  assert.deepEqual(h.log, ['check', 'download 1.1.0', 'no installer for 1.1.0', 'check', 'download 1.0.0', 'no installer for 1.0.0']);
});
