import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createStation, type StationCore } from '../main/core/station';
import { loadCookieKey } from '../main/host/cookie-key';
import { startStationHost, type StationHost } from '../main/host/http-host';
import { ensureUiBuilt } from '../scripts/build-ui';
import { enrolStation } from '../server/admin/credentials';
import { withBranch } from '../server/db/with-branch';
import { approveNote } from '../server/notes/review/review';
import type { ContentHash } from '../contract/soap';
import { DEMO_PASSWORD } from '../server/seed/seed';
import { accessibilityProblems } from './axe';
import { chromiumAvailable, launchChromium } from './browser';
import { startSeededServer, type RunningTestServer } from './server';
import { startStation } from './station';

/*
 * The ward tool in the system Chromium: a real station core (SQLite files) behind main/host,
 * a real server over real PostgreSQL with the demo hospital. Two look-alike patients (Nguyễn /
 * Nguyen, same birth date) and a creatinine series are written to the server as a lab system
 * or admission system would; the station gets them through its feed.
 */
const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const admin = { kind: 'admin', id: 'e2e' } as const;

interface Launched {
  station: StationCore;
  host: StationHost;
}

describe('the ward tool in Chromium', { skip: chromiumAvailable() ? false : 'skipped: no system Chromium (apt-get install chromium)' }, () => {
  let server: RunningTestServer;
  let browser: Browser;
  let dir: string;
  let credential: string;
  let launched: Launched;
  let northId: number;
  let wardId: number;
  const lan = randomUUID();
  const an = randomUUID();
  const problems: string[] = [];
  const a11y: string[] = [];

  const launch = async (port = 0): Promise<Launched> => {
    const station = createStation({ dataDir: dir, serverUrl: server.url, credential, sync: { backoffBaseMs: 100, backoffMaxMs: 800, pullIntervalMs: 1000 } });
    const host = await startStationHost(station.handlers, { staticDir: await ensureUiBuilt('station'), port, cookieKey: loadCookieKey(dir), events: station.events });
    return { station, host };
  };
  const stop = async (l: Launched) => {
    await l.host.close();
    await l.station.close();
  };

  /** A progress note by dr.north for Lan, summarized by the server's own worker and approved through the one approval path. */
  async function physicianSignedNote(text: string) {
    const user = await server.owner.selectFrom('users').select('id').where('username', '=', 'dr.north').executeTakeFirstOrThrow();
    const noteId = randomUUID();
    await withBranch(server.owner, northId, admin, async (trx) => {
      await trx.insertInto('note_drafts').values({ branch_id: northId, id: noteId, patient_id: lan, author_user_id: user.id, text }).execute();
      await trx.updateTable('note_drafts').set({ status: 'submitted', version: 2 }).where('id', '=', noteId).execute();
    });
    const actor = { kind: 'user', id: String(user.id) } as const;
    for (let i = 0; i < 100; i++) {
      const d = await withBranch(server.db.app, northId, actor, (trx) => trx.selectFrom('soap_drafts').select('content_hash').where('note_draft_id', '=', noteId).executeTakeFirst());
      if (d) return withBranch(server.db.app, northId, actor, (trx) => approveNote(trx, actor, user.id, noteId, d.content_hash as ContentHash));
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the server never summarized the note');
  }

  before(async () => {
    server = await startSeededServer(16, { summarizer: { provider: 'local' } });
    northId = (await server.owner.selectFrom('branches').select('id').where('code', '=', 'north').executeTakeFirstOrThrow()).id;
    wardId = (await server.owner.selectFrom('wards').select('id').where('code', '=', 'n-med').executeTakeFirstOrThrow()).id;
    const now = Date.now();
    await withBranch(server.owner, northId, admin, async (trx) => {
      const base = { branch_id: northId, sex: 'female' as const, birth_date: '1948-03-12', ward_id: wardId, admitted_at: new Date(now - 2 * 86_400_000) };
      await trx
        .insertInto('patients')
        .values([
          { ...base, id: lan, mrn: 'N990001', national_id: '9900000019', family_name: 'Nguyễn', given_names: ['Thị', 'Lan'], bed: '13A' },
          { ...base, id: an, mrn: 'N990002', national_id: '9900000027', family_name: 'Nguyen', given_names: ['Văn', 'An'], sex: 'male', bed: '13B' },
        ])
        .execute();
      // Creatinine over five days, rising out of range: a trend with a real trajectory.
      const values = [0.9, 1.1, 1.4, 1.9, 2.3];
      await trx
        .insertInto('observations')
        .values(
          values.map((v, i) => ({
            branch_id: northId,
            patient_id: lan,
            subject_mrn: 'N990001',
            loinc: '2160-0',
            display: 'Creatinine [Mass/volume] in Serum or Plasma',
            value_num: String(v),
            unit: 'mg/dL',
            ref_low: '0.6',
            ref_high: '1.3',
            interpretation: v > 1.3 ? 'H' : 'N',
            status: 'final',
            effective_at: new Date(now - (5 - i) * 86_400_000 + 3_600_000),
            issued_at: new Date(now - (5 - i) * 86_400_000 + 7_200_000),
          })),
        )
        .execute();
    });
    await physicianSignedNote('Subjective: feels better, no chest pain.\nObjective: afebrile, creatinine rising 1.9 to 2.3 mg/dL.\nAssessment: acute kidney injury, likely prerenal.\nPlan: IV fluids, repeat creatinine tomorrow.');
    dir = mkdtempSync(path.join(tmpdir(), 'station-ward-'));
    ({ credential } = await enrolStation(server.owner, 'north', 'n-med', 'Ward 3 e2e station'));
    launched = await launch();
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    if (launched) await stop(launched);
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const newPage = async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
    });
    return page;
  };
  const pageUrl = () => `${launched.host.url}/#secret=${encodeURIComponent(launched.host.secret)}`;

  async function signIn(page: Page, username: string) {
    await page.getByTestId('station-place').filter({ hasText: 'Internal Medicine' }).waitFor();
    assert.equal(await page.getByLabel('Branch code').count(), 0, 'an enrolled station asks for no branch');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('ward-row').filter({ hasText: 'N990001' }).waitFor({ timeout: 20_000 });
  }

  /** A new page (or a reload) of a station with an open session lands on the lock screen: the same user unlocks. */
  async function unlock(page: Page, name: RegExp) {
    await page.getByRole('heading', { name: 'Station locked' }).waitFor({ timeout: 15_000 });
    assert.match((await page.getByTestId('locked-user').textContent()) ?? '', name);
    assert.equal(await page.getByTestId('ward-row').count(), 0, 'nothing of the ward while locked');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByTestId('ward-row').filter({ hasText: 'N990001' }).waitFor({ timeout: 20_000 });
  }

  test("the ward list is the station's own ward by bed, with ages and sexes, look-alikes and a folded search", async () => {
    const page = await newPage();
    await page.goto(pageUrl());
    a11y.push(...(await accessibilityProblems(page, 'sign-in')));
    await signIn(page, 'dr.north');
    await page.getByRole('heading', { name: 'Internal Medicine' }).waitFor();
    const onWard = await withBranch(server.owner, northId, admin, (trx) => trx.selectFrom('patients').select(['mrn', 'bed']).where('ward_id', '=', wardId).execute());
    const rows = page.getByTestId('ward-row');
    const mrns = await rows.locator('td:nth-child(4)').allTextContents();
    assert.deepEqual([...mrns].sort(), onWard.map((p) => p.mrn).sort(), 'exactly the patients of the station ward');
    const beds = await rows.locator('td:nth-child(1)').allTextContents();
    assert.equal(new Set(beds).size, beds.length, `no repeated bed: ${beds.join(' ')}`);
    assert.deepEqual(beds, [...beds].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })), 'sorted by bed');
    for (const t of await rows.locator('td:nth-child(3)').allTextContents()) assert.match(t, /^(\d+|—) (F|M|sex other|sex unknown)$/);
    const lanRow = rows.filter({ hasText: 'N990001' });
    assert.match((await lanRow.textContent()) ?? '', /NGUYỄN, Thị Lan.*Look-alike: NGUYEN, Văn An \(bed 13B\) — same family name, same birth date.*\d+ F.*day 3/);
    assert.match((await rows.filter({ hasText: 'N990002' }).getByTestId('lookalike').textContent()) ?? '', /NGUYỄN, Thị Lan/);
    await page.screenshot({ path: path.join(shots, 'ward-list.png') });
    a11y.push(...(await accessibilityProblems(page, 'ward list')));

    const search = page.getByLabel('Search patients');
    // Accent- and case-blind, as the server's search; given names; MRN prefixes.
    for (const [q, expected, exact] of [['nguyen', ['N990001', 'N990002'], false], ['NGUYỄN lan', ['N990001'], true], ['van', ['N990002'], false], ['n99000', ['N990001', 'N990002'], true]] as const) {
      await search.fill(q);
      await page.getByRole('heading', { name: 'Search results' }).waitFor();
      await page.waitForTimeout(200);
      const found = (await rows.locator('td:nth-child(5)').allTextContents()).sort();
      if (exact) assert.deepEqual(found, [...expected], `search ${q}`);
      else for (const mrn of expected) assert.ok(found.includes(mrn), `search ${q} finds ${mrn}: ${found.join(' ')}`);
    }
    await search.fill('');
    // "My patients": pick one, switch to the list of mine.
    await rows.filter({ hasText: 'N990002' }).getByRole('button', { name: /Add to my patients/ }).click();
    await page.getByTestId('ward-switcher').selectOption('mine');
    await page.getByRole('heading', { name: 'My patients' }).waitFor();
    await page.waitForTimeout(200);
    assert.deepEqual(await rows.locator('td:nth-child(5)').allTextContents(), ['N990002']);
    await page.getByTestId('ward-switcher').selectOption(String(wardId));
    await rows.filter({ hasText: 'N990001' }).waitFor();
    await page.close();
    assert.deepEqual(problems, []);
  });

  test('the banner says who the patient is; the chart reads at a glance at 1366×768; the signed note is a document', async () => {
    const page = await newPage();
    await page.goto(pageUrl());
    // The session of the previous test is still open: a new page gets the lock screen first.
    await unlock(page, /Dr\. Anna Berger/);
    await page.getByTestId('ward-row').filter({ hasText: 'N990001' }).getByRole('button', { name: 'NGUYỄN, Thị Lan', exact: true }).click();
    const banner = page.getByTestId('patient-banner');
    await banner.waitFor();
    const text = (await banner.textContent()) ?? '';
    for (const part of ['NGUYỄN, Thị Lan', 'female', '1948-03-12', 'N990001', '9900000019', 'Internal Medicine', '13A', 'Allergies not recorded', 'Code status not recorded']) assert.ok(text.includes(part), `banner shows ${part}: ${text}`);
    // The physician records the code status in the chart's side column; the banner shows it at once, in words and colour.
    const panel = page.getByTestId('code-status-panel');
    await panel.getByText('Record code status').click();
    const form = page.getByTestId('code-status-form');
    await form.getByLabel('Decision').selectOption('limitations');
    await form.getByRole('button', { name: 'Record' }).click();
    await form.getByRole('alert').filter({ hasText: 'Write down the limitations' }).waitFor();
    await form.getByLabel('Limitations', { exact: true }).fill('No intubation, no ICU');
    await form.getByRole('button', { name: 'Record' }).click();
    const bannerStatus = page.getByTestId('banner-code-status');
    await bannerStatus.filter({ hasText: 'Limitations of treatment: No intubation, no ICU' }).waitFor();
    assert.equal(await bannerStatus.locator('.cs-limits').count(), 1, 'coloured as limitations');
    assert.match((await panel.textContent()) ?? '', /Dr\. Anna Berger, physician/);
    await page.getByText('Everything is synced').waitFor({ timeout: 20_000 });
    const stored = await withBranch(server.owner, northId, admin, (trx) => trx.selectFrom('code_statuses').select(['status', 'limitations', 'recorded_by_name']).where('patient_id', '=', lan).execute());
    assert.deepEqual(stored, [{ status: 'limitations', limitations: 'No intubation, no ICU', recorded_by_name: 'Dr. Anna Berger' }]);
    // A draft of his own: in the note history as a draft, with the signed note.
    await page.getByRole('tab', { name: 'Note' }).click();
    await page.getByLabel('Note text').fill('Fluids running, recheck creatinine at 18:00.');
    await page.getByText('Saved on this station').or(page.getByText('Synced')).first().waitFor();
    await page.getByRole('tab', { name: 'Chart' }).click();
    const history = page.getByTestId('note-history');
    await history.getByTestId('note-history-entry').filter({ hasText: 'recheck creatinine' }).waitFor();
    assert.match((await history.locator('[data-state="draft"]').textContent()) ?? '', /Draft.*Progress note.*By you.*Fluids running/);
    assert.match((await history.locator('[data-state="signed"]').textContent()) ?? '', /Signed.*Signed by Dr\. Anna Berger, physician.*acute kidney injury|Signed.*Signed by Dr\. Anna Berger, physician/);
    assert.match((await page.getByTestId('banner-lookalike').textContent()) ?? '', /NGUYEN, Văn An \(bed 13B\)/);
    // Cumulative table: creatinine with its five days, flagged high in text and colour.
    const table = page.getByTestId('lab-table');
    await table.waitFor();
    const cr = table.locator('tbody tr').filter({ has: page.locator('th', { hasText: /^Cr$/ }) });
    assert.equal(await cr.locator('td.lab-h').count(), 3);
    assert.match((await cr.locator('td.lab-h').first().textContent()) ?? '', /2\.3 H/);
    assert.equal(await cr.locator('th').getAttribute('title'), 'Creatinine [Mass/volume] in Serum or Plasma (LOINC 2160-0)');
    // Medications, referrals and the signed note are on the first screen, beside the trends.
    for (const id of ['meds-title', 'refs-title', 'notes-title', 'allergies-title', 'code-status-title']) {
      const box = await page.locator(`#${id}`).boundingBox();
      assert.ok(box && box.y + box.height <= 768, `${id} visible without scrolling`);
    }
    const trend = page.getByTestId('lab-trend').filter({ hasText: 'Cr' });
    const plot = trend.locator('.u-over');
    const b = (await plot.boundingBox())!;
    await page.mouse.move(b.x + b.width - 2, b.y + b.height / 2);
    await page.getByTestId('trend-readout').filter({ hasText: /2\.3 mg\/dL \(out of range\)/ }).waitFor();
    const doc = page.getByTestId('chart-signed-note');
    await doc.waitFor({ timeout: 15_000 });
    assert.match((await doc.textContent()) ?? '', /Signed by Dr\. Anna Berger, physician/);
    assert.equal(await doc.getByRole('heading', { name: 'Subjective' }).count(), 1);
    assert.equal(await doc.locator('pre').count(), 0);
    assert.ok(!/Content hash|sha256/i.test((await page.textContent('body')) ?? ''), 'no content hash on a clinician screen');
    await page.screenshot({ path: path.join(shots, 'patient-chart.png') });
    await banner.screenshot({ path: path.join(shots, 'patient-banner.png') });
    a11y.push(...(await accessibilityProblems(page, 'chart')));
    // A signed note opens from the history on its review tab, as a document with its signer's role.
    await history.locator('[data-state="signed"]').getByRole('button').click();
    await page.getByTestId('signed-note').filter({ hasText: /Signed by Dr\. Anna Berger, physician/ }).waitFor({ timeout: 15_000 });
    // Two open drafts of this patient (the newer one written at another station, say): each
    // opens from the history as itself, never as the newest one.
    await launched.station.handlers.saveDraft({ patientId: lan, text: 'Second draft: potassium 5.9, repeat ECG.' });
    await page.getByRole('tab', { name: 'Chart' }).click();
    await history.locator('[data-state="draft"]').nth(1).waitFor();
    await history.getByTestId('note-history-entry').filter({ hasText: 'recheck creatinine' }).getByRole('button').click();
    await page.waitForFunction(() => (document.querySelector<HTMLTextAreaElement>('#note-text')?.value ?? '').startsWith('Fluids running'));
    await page.getByRole('tab', { name: 'Chart' }).click();
    await history.getByTestId('note-history-entry').filter({ hasText: 'potassium 5.9' }).getByRole('button').click();
    await page.waitForFunction(() => (document.querySelector<HTMLTextAreaElement>('#note-text')?.value ?? '').startsWith('Second draft'));
    // The ward list carries the decision too, in words.
    await page.getByRole('button', { name: 'Ward list' }).click();
    await page.getByTestId('ward-row').filter({ hasText: 'N990001' }).getByTestId('code-status-flag').filter({ hasText: 'Treatment limits' }).waitFor();
    await page.close();
    assert.deepEqual(problems, []);
  });

  test('a nurse records vitals offline and an allergy; both reach a second station; she signs her nursing note and a physician reads it', async () => {
    const page = await newPage();
    await page.goto(pageUrl());
    // The earlier test left the physician's session open: the new page is locked; the nurse switches user.
    await page.getByRole('heading', { name: 'Station locked' }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: /Switch user/ }).click();
    await signIn(page, 'nurse.north');
    await page.getByTestId('ward-row').filter({ hasText: 'N990002' }).getByRole('button', { name: 'NGUYEN, Văn An', exact: true }).click();
    await page.getByRole('tab', { name: 'Vitals' }).click();
    // The server goes away: the vitals are saved on the station and scored there.
    await server.stop();
    const form = page.getByTestId('vitals-form');
    await form.getByLabel('Respiratory rate').fill('24');
    await form.getByRole('spinbutton', { name: /^SpO₂/ }).fill('93');
    await form.getByLabel('Oxygen', { exact: true }).check();
    await form.getByLabel('Oxygen flow').fill('2');
    await form.getByLabel('Systolic BP').fill('98');
    await form.getByLabel('Diastolic BP').fill('61');
    await form.getByLabel('Pulse').fill('112');
    await form.getByLabel('Temperature').fill('38.4');
    assert.match((await page.getByTestId('news2-preview').textContent()) ?? '', /NEWS2 11 — High/);
    await page.screenshot({ path: path.join(shots, 'vitals-form.png') });
    a11y.push(...(await accessibilityProblems(page, 'vitals form')));
    await form.getByRole('button', { name: 'Save vital signs' }).click();
    await page.getByTestId('vitals-row').filter({ hasText: 'not yet sent' }).waitFor();
    assert.match((await page.getByTestId('news2-score').first().textContent()) ?? '', /11 high/);
    // An allergy, offline too, on the chart's side column; the banner shows it at once.
    await page.getByRole('tab', { name: 'Chart' }).click();
    await page.getByText('Record allergy').click();
    const allergy = page.getByTestId('allergy-form');
    await allergy.getByLabel('Substance').fill('Penicillin');
    await allergy.getByLabel('Reaction').fill('hives');
    await allergy.getByLabel('Risk').selectOption('high');
    await allergy.getByRole('button', { name: 'Add allergy' }).click();
    await page.getByTestId('banner-allergies').filter({ hasText: 'Penicillin (hives)' }).waitFor();
    // The server is back: the outbox empties.
    await server.restart();
    await page.getByText('Everything is synced').waitFor({ timeout: 30_000 });
    // A nursing note: written, submitted, summarized, signed by the nurse herself.
    await page.getByRole('tab', { name: 'Note' }).click();
    await page.getByRole('heading', { name: 'Nursing note' }).waitFor();
    await page.getByLabel('Note text').fill('Patient more alert this afternoon. Febrile 38.4, on 2 L oxygen. Plan: observations hourly, inform doctor if NEWS2 rises.');
    await page.getByRole('button', { name: 'Submit for SOAP draft' }).click();
    await page.getByRole('tab', { name: 'SOAP review' }).click();
    const approve = page.getByTestId('approve');
    await approve.waitFor({ timeout: 30_000 });
    await approve.click();
    await page.getByTestId('signed-note').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('signed-note').locator('pre').count(), 0);
    // A second station of the ward, a physician: the NEWS2 band on the list, the allergy on the banner, the signed nursing note on the chart.
    const second = await startStation(server.owner, server.url, 'north', 'n-med');
    try {
      const other = await newPage();
      await other.goto(second.pageUrl);
      await signIn(other, 'dr.north');
      const row = other.getByTestId('ward-row').filter({ hasText: 'N990002' });
      await row.getByTestId('news2-flag').filter({ hasText: 'NEWS2 11 high' }).waitFor({ timeout: 20_000 });
      await other.screenshot({ path: path.join(shots, 'ward-list-news2.png') });
      await row.getByRole('button', { name: 'NGUYEN, Văn An', exact: true }).click();
      await other.getByTestId('banner-allergies').filter({ hasText: 'Penicillin (hives)' }).waitFor({ timeout: 15_000 });
      const note = other.getByTestId('chart-signed-note');
      await note.waitFor({ timeout: 15_000 });
      assert.match((await note.textContent()) ?? '', /more alert/);
      // The nurse never signed in at this station: her name and role came with the signed note.
      assert.match((await note.textContent()) ?? '', /Signed by Maria Santos, nurse/);
      assert.match((await other.getByTestId('note-history').locator('[data-state="signed"]').first().textContent()) ?? '', /Nursing note.*Signed by Maria Santos, nurse/);
      await other.getByRole('tab', { name: 'Vitals' }).click();
      assert.match((await other.getByTestId('news2-score').first().textContent()) ?? '', /11 high/);
      a11y.push(...(await accessibilityProblems(other, 'vitals history')));
      await other.close();
    } finally {
      await second.close();
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.close();
    assert.deepEqual(problems, []);
  });

  test('the lock screen names its user; a reload and a restart bring the page back to lock or sign-in', async () => {
    const page = await newPage();
    await page.goto(pageUrl());
    await signIn(page, 'dr.north');
    await page.keyboard.press('Control+l');
    await page.getByRole('heading', { name: 'Station locked' }).waitFor();
    assert.match((await page.getByTestId('locked-user').textContent()) ?? '', /Dr\. Anna Berger/);
    await page.getByRole('button', { name: /Switch user/ }).waitFor();
    await page.screenshot({ path: path.join(shots, 'lock.png') });
    a11y.push(...(await accessibilityProblems(page, 'lock')));
    // A reload has no secret in its address: the page cookie still reaches the station.
    await page.reload();
    await page.getByRole('heading', { name: 'Station locked' }).waitFor({ timeout: 10_000 });
    // Unlocked, then reloaded: the reload itself locks the open session (the password again, as on lock).
    await unlock(page, /Dr\. Anna Berger/);
    await page.reload();
    await page.getByRole('heading', { name: 'Station locked' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('ward-row').count(), 0);
    assert.equal((await launched.station.handlers.status({})).locked, true, 'the session is kept, locked');
    await page.screenshot({ path: path.join(shots, 'reload-lock.png') });
    // The station restarts (new launch secret, same port): the open tab comes back to sign-in.
    const port = Number(new URL(launched.host.url).port);
    await stop(launched);
    launched = await launch(port);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to the ward station' }).waitFor({ timeout: 10_000 });
    // A tab whose cookie the station does not know says what to do, in words.
    const stranger = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await stranger.goto(launched.host.url);
    assert.match((await stranger.getByTestId('start-error').textContent({ timeout: 10_000 })) ?? '', /Close it and open the station again/);
    await stranger.close();
    await page.close();
    assert.deepEqual(problems, []);
    assert.deepEqual(a11y, [], 'serious or critical accessibility findings (axe-core, WCAG 2.1 AA)');
  });
});
