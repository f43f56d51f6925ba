import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../server/seed/seed';
import { stationHostClient } from '../main/host/http-host';
import type { CachedPatient, StationHandlers } from '../contract/station-api';
import { chromiumAvailable, launchChromium } from './browser';
import { startSeededServer, type RunningTestServer } from './server';
import { startStation, type RunningStation } from './station';

/*
 * The renderer does not poll: an idle station screen makes no station-API call at all, and what
 * changes behind it (a new draft, sync progress, the outbox) still reaches the screen because the
 * station says so (contract: stationEvents, over main/host's event stream). The idle window is
 * E2E_IDLE_SECONDS per screen (default 15 s to keep the suite's time reasonable; the issue's
 * figure is 60 s: `E2E_IDLE_SECONDS=60 npm test -- e2e/station-events`).
 */
const IDLE_MS = Number(process.env.E2E_IDLE_SECONDS ?? 15) * 1000;

/** Every request the page makes to the station API (calls and the event stream) during the window. */
async function callsWhileIdle(page: Page, ms: number): Promise<string[]> {
  const calls: string[] = [];
  const count = (r: { url(): string; method(): string }) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith('/api/')) calls.push(`${r.method()} ${p}`);
  };
  page.on('request', count);
  await page.waitForTimeout(ms);
  page.off('request', count);
  return calls;
}

/** Milliseconds from calling `change()` until `shown` holds in the page (watched by a MutationObserver and every frame). */
async function latency(page: Page, shown: string, arg: unknown, change: () => Promise<unknown>): Promise<number> {
  // Written as page-side source: the test's own compiler would otherwise add helpers the page lacks.
  await page.evaluate(`(() => {
    const test = ${shown};
    const arg = ${JSON.stringify(arg)};
    window.__seenAt = new Promise((resolve) => {
      let done = false;
      const check = () => {
        if (!done && test(arg)) {
          done = true;
          observer.disconnect();
          resolve(Date.now());
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      // A textarea's value is not a DOM mutation: look at every frame too, until seen.
      const frame = () => {
        check();
        if (!done) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
  })()`);
  // From the start of the change call: the event fires inside it, so this bounds its delay from above.
  const changedAt = Date.now();
  await change();
  const seenAt = await page.evaluate(() => Promise.race([(window as unknown as { __seenAt: Promise<number> }).__seenAt, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]));
  assert.ok(seenAt > 0, `not shown within 5 s: ${shown}`);
  return Math.max(0, seenAt - changedAt);
}

describe('station events in Chromium', { skip: chromiumAvailable() ? false : 'skipped: no system Chromium (apt-get install chromium)' }, () => {
  let server: RunningTestServer;
  let north: RunningStation;
  let browser: Browser;
  let api: StationHandlers;
  let patients: CachedPatient[];

  before(async () => {
    server = await startSeededServer(6);
    north = await startStation(server.owner, server.url, 'north', 'n-med');
    api = stationHostClient(north.host.url, north.host.secret);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await north?.close();
    await server?.close();
  });

  test('an idle screen makes no calls, and a new draft, sync progress and an outbox change still show at once', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(north.pageUrl);
    await page.getByLabel('Username').fill('dr.north');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('ward-row').first().waitFor({ timeout: 15_000 });
    patients = (await api.listPatients({})).patients;
    assert.ok(patients.length >= 3);

    // Let the first sync after sign-in settle, then watch the ward list do nothing.
    await page.waitForTimeout(1500);
    const wardCalls = await callsWhileIdle(page, IDLE_MS);
    assert.deepEqual(wardCalls, [], `the idle ward list called the station in ${IDLE_MS / 1000} s`);

    // The composer of a patient with no draft yet: idle, then a draft made elsewhere on the station appears.
    const first = patients[0]!;
    await page.getByLabel('Search patients').fill(first.mrn);
    await page.getByTestId('ward-row').filter({ hasText: first.mrn }).getByRole('button').first().click();
    await page.getByRole('tab', { name: 'Note' }).click();
    const note = page.getByTestId('note-text');
    await note.waitFor();
    await page.waitForTimeout(500);
    const composerCalls = await callsWhileIdle(page, IDLE_MS);
    assert.deepEqual(composerCalls, [], `the idle composer called the station in ${IDLE_MS / 1000} s`);

    const text = 'Day 2. Afebrile overnight, eating well.';
    const newDraft = await latency(page, '(t) => document.querySelector("[data-testid=note-text]")?.value === t', text, () => api.saveDraft({ patientId: first.id, text }));

    // With the server gone, a change waits in the outbox: the sync bar counts one more.
    await server.stop();
    await page.getByTestId('offline-banner').waitFor({ timeout: 15_000 });
    const waiting = () => page.getByTestId('sync-pending').textContent().then((t) => Number(/(\d+) changes? waiting/.exec(t ?? '')?.[1] ?? 0));
    const waitingBefore = await waiting();
    const progress = await latency(page, '(n) => Number(/(\\d+) changes? waiting/.exec(document.querySelector("[data-testid=sync-pending]")?.textContent ?? "")?.[1] ?? 0) > n', waitingBefore, () =>
      api.saveDraft({ patientId: patients[1]!.id, text: 'Day 1. Admitted with cellulitis of the left leg.' }),
    );
    assert.equal(await waiting(), waitingBefore + 1);

    // The outbox screen gains the next one.
    await page.getByRole('button', { name: 'Outbox' }).click();
    await page.getByTestId('outbox-waiting').first().waitFor();
    const before = await page.getByTestId('outbox-waiting').count();
    const outbox = await latency(page, '(n) => document.querySelectorAll("[data-testid=outbox-waiting]").length > n', before, () =>
      api.saveDraft({ patientId: patients[2]!.id, text: 'Day 4. Wound review, dressing changed.' }),
    );

    console.log(`# idle window ${IDLE_MS / 1000} s per screen: 0 calls; shown after the change: new draft ${newDraft} ms, sync progress ${progress} ms, outbox ${outbox} ms`);
    // The goal is 200 ms; the bound here leaves room for a loaded test machine.
    for (const [what, ms] of [['new draft', newDraft], ['sync progress', progress], ['outbox change', outbox]] as const) {
      assert.ok(ms < 1000, `${what} shown ${ms} ms after the change`);
    }
  });
});
