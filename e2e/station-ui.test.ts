import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { withBranch } from '../server/db/with-branch';
import { DEMO_PASSWORD } from '../server/seed/seed';
import { accessibilityProblems } from './axe';
import { chromiumAvailable, launchChromium } from './browser';
import { startSeededServer, type RunningTestServer } from './server';
import { startStation, type RunningStation } from './station';
import { makeDictationWav } from './wav';
import { chatReply, startFakeOpenAI, transcriptionReply, type FakeOpenAIServer } from '../server/notes/testing/openai-compatible-server';

/*
 * The station renderer in the system Chromium against main/host, with a real server (its
 * summarization worker running), real PostgreSQL and a real station core on SQLite files.
 * The hosted model and the speech-to-text service cannot run here: one loopback server speaking
 * the OpenAI wire protocol stands in for both (the `openai` client, its multipart upload of the
 * recording and its JSON are real). Its draft has one statement whose quote is not in the note.
 */
const SPOKEN = 'Patient comfortable, afebrile, plan to continue antibiotics.';
const MODEL_DRAFT = {
  subjective: [{ text: 'Patient comfortable.', quotes: ['Patient comfortable'] }],
  objective: [{ text: 'Afebrile overnight.', quotes: ['Afebrile overnight.'] }],
  assessment: [{ text: 'Blood cultures negative at 48 hours.', quotes: ['cultures negative at 48 hours'] }],
  plan: [{ text: 'Continue antibiotics and review cultures.', quotes: ['continue antibiotics, review cultures'] }],
};
const FULL_NOTE = `Day 3. Afebrile overnight. \n${SPOKEN} Plan: continue antibiotics, review cultures.`;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

/**
 * An idle screen is calm: nothing that loops. Counts the station API calls the page makes in 3 s
 * (none expected since the screens follow station events instead of polling, which
 * e2e/station-events.test.ts asserts; the bound leaves room for a late feed page, a loop makes hundreds).
 */
async function assertCalm(page: Page, what: string) {
  const calls: string[] = [];
  const count = (r: { url(): string }) => {
    const m = /\/api\/(\w+)$/.exec(new URL(r.url()).pathname);
    if (m) calls.push(m[1]!);
  };
  page.on('request', count);
  await page.waitForTimeout(3000);
  page.off('request', count);
  const byCall = [...new Set(calls)].map((c) => `${c} ×${calls.filter((x) => x === c).length}`);
  assert.ok(calls.length <= 12, `station calls of ${what} in 3 s: ${byCall.join(', ')}`);
}

async function signIn(page: Page, username: string, branch: string) {
  // An enrolled station names its branch and ward and does not ask for a branch code.
  await page.getByTestId('station-place').filter({ hasText: new RegExp(branch, 'i') }).waitFor();
  assert.equal(await page.getByLabel('Branch code').count(), 0);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  try {
    await page.getByTestId('ward-row').first().waitFor({ timeout: 15_000 });
  } catch (e) {
    await page.screenshot({ path: path.join(shots, `failed-sign-in-${username}.png`) });
    throw e;
  }
}

describe('station app in Chromium', { skip: chromiumAvailable() ? false : 'skipped: no system Chromium (apt-get install chromium)' }, () => {
  let server: RunningTestServer;
  let north: RunningStation;
  let south: RunningStation;
  let browser: Browser;
  let tmp: string;
  let fake: FakeOpenAIServer;
  const problems: string[] = [];
  const a11y: string[] = [];

  before(async () => {
    fake = await startFakeOpenAI((req) => (req.path.endsWith('/audio/transcriptions') ? transcriptionReply(SPOKEN) : chatReply(MODEL_DRAFT, { delayMs: 2500 })));
    const remote = { apiKey: 'sk-loopback', baseURL: `${fake.origin}/v1`, timeoutMs: 10_000, maxRetries: 0, maxRetryAfterMs: 1000, backoffMs: 1 };
    server = await startSeededServer(12, {
      summarizer: { provider: 'openai', model: 'gpt-4o-mini', responseFormat: 'auto', malformedRetries: 0, ...remote },
      transcription: { provider: 'openai', model: 'whisper-1', language: null, ...remote },
    });
    north = await startStation(server.owner, server.url, 'north', 'n-med');
    south = await startStation(server.owner, server.url, 'south', 's-med');
    tmp = mkdtempSync(path.join(tmpdir(), 'station-ui-audio-'));
    const wav = path.join(tmp, 'dictation.wav');
    makeDictationWav(wav, 'Patient comfortable, afebrile, plan to continue antibiotics.');
    browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required']);
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await north?.close();
    await south?.close();
    await server?.close();
    await fake?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const newPage = async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
    });
    return page;
  };

  test('a physician writes and dictates a note that survives the server going away, then a nurse after a lock sees none of it', async () => {
    const page = await newPage();
    const res = await page.goto(north.pageUrl);
    assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    assert.ok(!page.url().includes('secret='), 'the secret leaves the address bar');
    await page.getByLabel('Username').waitFor();
    a11y.push(...(await accessibilityProblems(page, 'sign-in')));
    await signIn(page, 'dr.north', 'north');
    const rows = page.getByTestId('ward-row');
    assert.ok((await rows.count()) >= 1);
    await page.screenshot({ path: path.join(shots, 'station-ward.png') });
    await assertCalm(page, 'the ward list');
    a11y.push(...(await accessibilityProblems(page, 'ward list')));

    const patient = (await north.station.handlers.listPatients({})).patients[0]!;
    await page.getByLabel('Search patients').fill(patient.familyName);
    await page.getByRole('button', { name: new RegExp(`^${escapeRe(patient.familyName.toUpperCase())}(,|$)`) }).first().click();
    const banner = page.getByTestId('patient-banner');
    await banner.waitFor();
    const bannerText = (await banner.textContent()) ?? '';
    assert.ok(bannerText.includes(patient.mrn) && bannerText.includes(patient.familyName.toUpperCase()) && bannerText.includes(patient.birthDate ?? 'unknown'));
    assert.ok(patient.nationalId === null || bannerText.includes(patient.nationalId));
    await page.getByTestId('lab-table').waitFor();
    // A trend for every test measured at least twice (the chart says so when none is).
    assert.ok((await page.getByTestId('lab-trend').count()) >= 1 || (await page.getByText('No test has been measured twice yet.').count()) === 1, 'trends or the reason there are none');
    await page.screenshot({ path: path.join(shots, 'station-chart.png') });
    a11y.push(...(await accessibilityProblems(page, 'chart')));

    // Keyboard: the patient tabs are one tab stop; an arrow key opens the next one.
    await page.getByRole('tab', { name: 'Chart' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.activeElement?.id === 'tab-vitals' && document.activeElement.getAttribute('aria-selected') === 'true');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.activeElement?.id === 'tab-note' && document.activeElement.getAttribute('aria-selected') === 'true');
    const note = page.getByTestId('note-text');
    await note.click();
    await page.keyboard.type('Day 3. Afebrile overnight. ');
    await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.textContent === 'Synced', null, { timeout: 15_000 });

    await page.getByRole('button', { name: '● Dictate' }).click();
    await page.waitForFunction(() => Number((document.querySelector('[data-testid=input-level]') as HTMLMeterElement | null)?.value ?? 0) > 0.01, null, { timeout: 5000 });
    await page.waitForTimeout(1200);
    await page.getByRole('button', { name: '■ Stop dictation' }).click();
    // Kept on the station, sent for transcription, and back in the note as its next version.
    await page.getByText('1 dictation transcribed into the note').waitFor({ timeout: 15_000 });
    await page.waitForFunction((spoken) => (document.querySelector('[data-testid=note-text]') as HTMLTextAreaElement).value.includes(spoken), SPOKEN, { timeout: 15_000 });
    const dictations = await north.station.handlers.listDictations({ patientId: patient.id });
    assert.equal(dictations.dictations.length, 1);
    assert.ok(dictations.dictations[0]!.sentAt, 'the recording was taken by the server');
    const upload = fake.requests.find((r) => r.path.endsWith('/audio/transcriptions'))?.parts?.find((p) => p.name === 'file');
    assert.ok(upload && upload.data.length > 500, 'the recording, with audio in it, reached the speech-to-text service');
    await page.screenshot({ path: path.join(shots, 'station-note.png') });
    await assertCalm(page, 'an idle composer');
    a11y.push(...(await accessibilityProblems(page, 'note composer')));

    await server.stop();
    await note.click();
    await note.press('End');
    await page.keyboard.type(' Plan: continue antibiotics, review cultures.');
    await page.getByTestId('offline-banner').waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.textContent === 'Saved on this station', null, { timeout: 10_000 });
    await page.screenshot({ path: path.join(shots, 'station-offline.png') });
    a11y.push(...(await accessibilityProblems(page, 'composer offline')));
    await page.getByRole('button', { name: 'Outbox' }).click();
    await page.getByTestId('outbox-waiting').first().waitFor();
    await page.screenshot({ path: path.join(shots, 'station-outbox.png') });
    a11y.push(...(await accessibilityProblems(page, 'outbox')));
    await page.getByRole('button', { name: 'Open note' }).first().click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=note-text]') as HTMLTextAreaElement | null)?.disabled === false);
    assert.equal(await note.inputValue(), FULL_NOTE, 'the note stayed with its patient');

    await server.restart();
    await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.textContent === 'Synced', null, { timeout: 30_000 });
    const northId = (await server.owner.selectFrom('branches').select('id').where('code', '=', 'north').executeTakeFirstOrThrow()).id;
    const admin = { kind: 'admin', id: 'test' } as const;
    const drafts = await withBranch(server.owner, northId, admin, (trx) => trx.selectFrom('note_drafts').select(['text', 'patient_id']).execute());
    assert.equal(drafts.length, 1);
    assert.equal(drafts[0]!.text, FULL_NOTE);
    assert.equal(drafts[0]!.patient_id, patient.id);

    // Submitted: the AI draft arrives, beside the raw note.
    await page.getByRole('button', { name: 'Submit for SOAP draft' }).click();
    await page.getByRole('button', { name: 'Open the SOAP review' }).click();
    const reviewState = page.getByTestId('review-state');
    // The model takes its time (2.5 s): the screen says what it waits for.
    await page.getByText('Waiting for the AI draft…').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(shots, 'station-review-waiting.png') });
    a11y.push(...(await accessibilityProblems(page, 'review waiting')));
    await page.getByText('AI draft ready for review').waitFor({ timeout: 30_000 });
    assert.ok(((await banner.textContent()) ?? '').includes(patient.mrn), 'the review shows whose note it is');
    assert.equal(await page.getByTestId('statement').count(), 4);
    const unsupported = page.locator('[data-testid=statement][data-unsupported=true]');
    assert.equal(await unsupported.count(), 1);
    assert.match((await unsupported.textContent()) ?? '', /Blood cultures negative at 48 hours\..*No evidence in the note/);
    const approve = page.getByTestId('approve');
    assert.ok(await approve.isDisabled(), 'approval waits for the unsupported statement');
    // The physician checks the evidence of a statement: it is marked in the raw note.
    await page.getByRole('button', { name: 'Plan 1: Continue antibiotics and review cultures.' }).click();
    await page.locator('[data-testid=raw-note] mark').first().waitFor();
    assert.deepEqual(await page.locator('[data-testid=raw-note] mark').allTextContents(), ['continue antibiotics, review cultures']);
    await page.screenshot({ path: path.join(shots, 'station-review.png') });
    a11y.push(...(await accessibilityProblems(page, 'SOAP review')));
    await page.getByRole('button', { name: 'Assessment 1: Blood cultures negative at 48 hours.' }).click();
    await page.getByTestId('evidence-list').getByText('(not found in the note)').waitFor();
    assert.equal(await page.locator('[data-testid=raw-note] mark').count(), 0);
    // It is corrected, then the note is approved with one click.
    await page.getByRole('button', { name: 'Edit Assessment 1' }).click();
    await page.getByLabel('New text for Assessment 1').fill('Blood cultures pending.');
    await page.keyboard.press('Control+Enter');
    await page.getByText('Every statement has evidence in the note or was checked by you.').waitFor();
    await approve.click();
    const signed = page.getByTestId('signed-note');
    await signed.waitFor();
    assert.match((await signed.textContent()) ?? '', /Signed by Dr\. Anna Berger.*Blood cultures pending\./s);
    assert.match((await reviewState.textContent()) ?? '', /Approved and signed/);
    const trail = page.getByTestId('audit-trail');
    await trail.locator('tr[data-action="note.approved"]').waitFor();
    const rowOf = async (action: string) => ((await trail.locator(`tr[data-action="${action}"]`).first().textContent()) ?? '');
    assert.match(await rowOf('note.submitted'), /Submitted for a SOAP draft/);
    assert.match(await rowOf('note.ai_draft_generated'), /AI draft generated.*AI drafting service/);
    assert.match(await rowOf('note.statement_edit'), /Statement edited \(assessment 1\)Dr\. Anna Berger/);
    assert.match(await rowOf('note.approved'), /Approved and signedDr\. Anna Berger/);
    await page.screenshot({ path: path.join(shots, 'station-signed.png'), fullPage: true });
    await assertCalm(page, 'a signed note on the review screen');
    a11y.push(...(await accessibilityProblems(page, 'signed note')));
    const noteId = (await north.station.handlers.listDrafts({ patientId: patient.id })).drafts.find((d) => d.status === 'submitted')!.id;
    const stored = await withBranch(server.owner, northId, admin, (trx) =>
      trx.selectFrom('soap_drafts').select(['status', 'approved_text', 'patient_id']).where('note_draft_id', '=', noteId).executeTakeFirstOrThrow(),
    );
    assert.equal(stored.status, 'approved');
    assert.equal(stored.patient_id, patient.id);
    assert.ok(stored.approved_text!.includes('Blood cultures pending.') && !stored.approved_text!.includes('negative at 48 hours'));
    // The signed note reaches the chart through the station's feed (readable offline).
    await page.getByRole('tab', { name: 'Chart' }).click();
    await page.getByTestId('chart-signed-note').getByText(/Blood cultures pending\./).waitFor({ timeout: 15_000 });
    assert.match((await page.getByTestId('chart-signed-note').textContent()) ?? '', /by Dr\. Anna Berger/);

    // A second note of the physician, made behind the UI, waits for review when the nurse comes.
    const second = await north.station.handlers.saveDraft({ patientId: patient.id, text: 'Evening. Afebrile. Plan: repeat lactate.' });
    await north.station.handlers.submitDraft({ draftId: second.id });
    await north.station.handlers.syncNow({});
    let secondReview = await north.station.handlers.getNoteReview({ noteId: second.id }).catch(() => null);
    for (let i = 0; i < 100 && secondReview?.state !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      secondReview = await north.station.handlers.getNoteReview({ noteId: second.id }).catch(() => null);
    }
    assert.equal(secondReview?.state, 'ready');

    // Lock with one keystroke: nothing of the patient stays on screen.
    await page.keyboard.press('Control+l');
    await page.getByRole('heading', { name: 'Station locked' }).waitFor();
    const locked = (await page.textContent('body')) ?? '';
    assert.ok(!locked.includes(patient.mrn) && !locked.includes('Afebrile'));
    await page.screenshot({ path: path.join(shots, 'station-locked.png') });
    a11y.push(...(await accessibilityProblems(page, 'lock screen')));

    // Fast user switch: a nurse at the same station.
    await page.getByRole('button', { name: 'Switch user' }).click();
    await signIn(page, 'nurse.north', 'north');
    assert.match((await page.getByTestId('current-user').textContent()) ?? '', /Maria Santos/);
    await page.getByLabel('Search patients').fill(patient.familyName);
    await page.getByRole('button', { name: new RegExp(`^${escapeRe(patient.familyName.toUpperCase())}(,|$)`) }).first().click();
    await page.getByRole('tab', { name: 'Note' }).click();
    await page.getByTestId('note-text').waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.getByTestId('note-text').inputValue(), '');
    assert.equal(await page.getByTestId('dictation-count').textContent(), 'No dictations');
    // ... and no note of the physician to review, and no way to approve one.
    await page.getByRole('tab', { name: 'SOAP review' }).click();
    await page.getByTestId('review-empty').waitFor();
    assert.equal(await page.getByTestId('approve').count(), 0);
    await assert.rejects(north.station.handlers.approveNote({ noteId: second.id, contentHash: secondReview.draft!.contentHash }), (e: Error & { code?: string }) => e.code === 'unauthorized');
    const after = await withBranch(server.owner, northId, admin, (trx) => trx.selectFrom('soap_drafts').select(['status', 'approved_by']).where('note_draft_id', '=', second.id).executeTakeFirstOrThrow());
    assert.deepEqual(after, { status: 'ready', approved_by: null }, 'the nurse approved nothing');
    await page.getByRole('button', { name: 'Outbox' }).click();
    await page.getByRole('heading', { name: /Waiting to be sent/ }).waitFor();
    const outbox = (await page.textContent('main')) ?? '';
    assert.match(outbox, /Waiting to be sent \(0\)/);
    assert.ok(!outbox.includes('Afebrile'));
    await page.close();
    assert.deepEqual(problems, []);
    assert.deepEqual(a11y, [], 'serious or critical accessibility findings (axe-core, WCAG 2.1 AA)');
  });

  test('a physician of branch south never sees a north patient', async () => {
    a11y.length = 0;
    const page = await newPage();
    await page.goto(south.pageUrl);
    await signIn(page, 'dr.south', 'south');
    const northId = (await server.owner.selectFrom('branches').select('id').where('code', '=', 'north').executeTakeFirstOrThrow()).id;
    const northPatients = await withBranch(server.owner, northId, { kind: 'admin', id: 'test' }, (trx) => trx.selectFrom('patients').select(['mrn', 'family_name']).execute());
    assert.ok(northPatients.length > 0);
    const mrns = await page.getByTestId('ward-row').locator('td:nth-child(4)').allTextContents();
    assert.ok(mrns.length > 0 && mrns.every((m) => m.startsWith('S')), 'only south MRNs on the ward list');
    // Search for every north MRN: nothing comes back, on the list or anywhere on the page.
    for (const p of northPatients.slice(0, 12)) {
      await page.getByLabel('Search patients').fill(p.mrn);
      await page.waitForTimeout(50);
      assert.equal(await page.getByTestId('ward-row').count(), 0, `north patient ${p.mrn} listed at a south station`);
    }
    await page.getByLabel('Search patients').fill('');
    await page.getByTestId('ward-row').first().waitFor();
    const firstSouth = page.getByTestId('ward-row').first().getByRole('button').first();
    await firstSouth.click();
    await page.getByTestId('lab-table').or(page.getByText('No lab results.')).first().waitFor();
    const text = (await page.textContent('body')) ?? '';
    for (const p of northPatients) assert.ok(!text.includes(p.mrn), `north MRN ${p.mrn} shown to dr.south`);
    // A note aimed at a north patient (made behind the UI) is refused by the server; the outbox
    // shows why and lets the physician dismiss it.
    const northPatientId = (await withBranch(server.owner, northId, { kind: 'admin', id: 'test' }, (trx) => trx.selectFrom('patients').select('id').executeTakeFirstOrThrow())).id;
    await south.station.handlers.saveDraft({ patientId: northPatientId, text: 'wrong branch' });
    await south.station.handlers.syncNow({});
    await page.getByRole('button', { name: 'Outbox' }).click();
    const refused = page.getByTestId('outbox-rejected');
    await refused.first().waitFor({ timeout: 10_000 });
    assert.match((await refused.first().textContent()) ?? '', /not known to the server/);
    await page.screenshot({ path: path.join(shots, 'station-south-outbox.png') });
    a11y.push(...(await accessibilityProblems(page, 'outbox with refusals')));
    await refused.first().getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('heading', { name: 'Refused by the server (0)' }).waitFor();
    // The south physician cannot sign in at the north station either.
    await north.station.handlers.signOut({});
    const other = await newPage();
    await other.goto(north.pageUrl);
    await other.getByLabel('Username').fill('dr.south');
    await other.getByLabel('Password').fill(DEMO_PASSWORD);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('alert').waitFor();
    assert.equal(await other.getByTestId('ward-row').count(), 0);
    await other.close();
    await page.close();
    assert.deepEqual(a11y, [], 'serious or critical accessibility findings (axe-core, WCAG 2.1 AA)');
  });

  test('the station locks itself after the idle time IT set, and unlocks with the same password', async () => {
    const idle = await startStation(server.owner, server.url, 'north', 'n-icu', { idleLockSeconds: 2 });
    try {
      const page = await newPage();
      await page.goto(idle.pageUrl);
      await page.getByLabel('Username').fill('nurse.north');
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // The lock comes 2 s after the last input whether or not the new station's first pull has
      // drawn the ward yet (on a loaded machine it may not have): wait for the lock itself.
      await page.getByRole('heading', { name: 'Station locked' }).waitFor({ timeout: 30_000 });
      assert.equal(await page.getByTestId('ward-row').count(), 0);
      assert.equal((await idle.station.handlers.status({})).locked, true, 'a locked session, not a failed sign-in');
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByTestId('current-user').waitFor();
      assert.match((await page.getByTestId('current-user').textContent()) ?? '', /Maria Santos/);
      await page.close();
    } finally {
      await idle.close();
    }
  });
});
