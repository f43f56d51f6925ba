import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { GeneratedSoap } from '../contract/soap';
import { DEMO_PASSWORD } from '../server/seed/seed';
import { chatReply, startFakeOpenAI, type FakeOpenAIServer } from '../server/notes/testing/openai-compatible-server';
import { accessibilityProblems } from './axe';
import { chromiumAvailable, launchChromium } from './browser';
import { startSeededServer, type RunningTestServer } from './server';
import { startStation, type RunningStation } from './station';

/*
 * The checks before approval on the SOAP review screen, in the system Chromium over main/host,
 * with a real server (its summarization worker running), PostgreSQL and station core. The model
 * is the loopback OpenAI-protocol server; its draft leaves out an allergy and a dose, and the raw
 * note names another patient's MRN. The screen shows both, holds "Approve and sign" until each
 * is resolved, and passes axe (WCAG 2.1 A/AA).
 */
const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// What a summarising model answers: the allergy and the warfarin dose are gone.
const MODEL_DRAFT: GeneratedSoap = {
  subjective: [{ text: 'Breathing easier today.', quotes: ['Breathing easier today.'] }],
  objective: [{ text: 'SpO2 95% on air.', quotes: ['SpO2 95% on air.'] }],
  assessment: [{ text: 'Pneumonia, improving.', quotes: ['pneumonia, improving'] }],
  plan: [{ text: 'Continue doxycycline 100 mg PO BD.', quotes: ['Continue doxycycline 100 mg PO BD.'] }],
};
const noteFor = (otherMrn: string) =>
  [
    'Breathing easier today.',
    'Allergies: penicillin (anaphylaxis).',
    'Started warfarin 5 mg daily last week.',
    `Compared with the chest film of MRN ${otherMrn}.`,
    'SpO2 95% on air.',
    'Impression: pneumonia, improving.',
    'Continue doxycycline 100 mg PO BD.',
  ].join('\n');

describe('SOAP review checks in Chromium', { skip: chromiumAvailable() ? false : 'skipped: no system Chromium (apt-get install chromium)' }, () => {
  let server: RunningTestServer;
  let north: RunningStation;
  let browser: Browser;
  let fake: FakeOpenAIServer;
  const problems: string[] = [];

  before(async () => {
    fake = await startFakeOpenAI(() => chatReply(MODEL_DRAFT));
    server = await startSeededServer(6, {
      summarizer: { provider: 'openai', model: 'gpt-4o-mini', responseFormat: 'auto', malformedRetries: 0, apiKey: 'sk-loopback', baseURL: `${fake.origin}/v1`, timeoutMs: 10_000, maxRetries: 0, maxRetryAfterMs: 1000, backoffMs: 1 },
    });
    north = await startStation(server.owner, server.url, 'north', 'n-med');
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await north?.close();
    await server?.close();
    await fake?.close();
  });

  async function signIn(page: Page) {
    // The first page of a run builds nothing but can be slow on a loaded machine (seen at load average 30).
    await page.getByLabel('Username').waitFor({ timeout: 60_000 });
    await page.getByLabel('Username').fill('dr.north');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('ward-row').first().waitFor({ timeout: 15_000 });
  }

  test('a model draft that leaves out an allergy and a dose, from a note naming another patient: shown, approval held until resolved', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(north.pageUrl);
    await signIn(page);
    const [patient, other] = (await north.station.handlers.listPatients({})).patients;
    assert.ok(patient && other && patient.mrn !== other.mrn);
    const draft = await north.station.handlers.saveDraft({ patientId: patient.id, text: noteFor(other.mrn) });
    await north.station.handlers.submitDraft({ draftId: draft.id });
    await north.station.handlers.syncNow({});

    // By MRN: the demo ward has namesakes (twins), and the note is this patient's.
    await page.getByLabel('Search patients').fill(patient.mrn);
    await page.getByRole('button', { name: new RegExp(`^${escapeRe(patient.familyName.toUpperCase())}(,|$)`) }).first().click();
    await page.getByTestId('patient-banner').waitFor();
    assert.match((await page.getByTestId('patient-banner').textContent()) ?? '', new RegExp(escapeRe(patient.mrn)));
    await page.getByRole('tab', { name: 'SOAP review' }).click();
    try {
      await page.getByText('AI draft ready for review').waitFor({ timeout: 30_000 });
    } catch (e) {
      await page.screenshot({ path: path.join(shots, 'failed-review-checks.png'), fullPage: true });
      throw e;
    }
    assert.equal(await page.getByTestId('draft-kind').textContent(), 'AI draft (gpt-4o-mini) (not signed)', 'an honest label: which model drafted it');

    // The wrong-patient warning stands at the top of the review, before the draft.
    const warning = page.getByTestId('wrong-patient');
    await warning.waitFor();
    assert.match((await warning.textContent()) ?? '', new RegExp(`MRN ${escapeRe(other.mrn)}, which belongs to another patient`));
    const order = await page.evaluate(() => {
      const w = document.querySelector('[data-testid=wrong-patient]');
      const d = document.querySelector('.soap-review');
      return w && d ? w.compareDocumentPosition(d) & Node.DOCUMENT_POSITION_FOLLOWING : 0;
    });
    assert.ok(order, 'the warning comes before the draft');

    const omissions = page.getByTestId('omission');
    assert.equal(await omissions.count(), 2);
    assert.match((await omissions.nth(0).textContent()) ?? '', /Allergies: penicillin \(anaphylaxis\)\..*allergy/);
    assert.match((await omissions.nth(1).textContent()) ?? '', /Started warfarin 5 mg daily last week\..*dose or measurement/);
    const approve = page.getByTestId('approve');
    assert.ok(await approve.isDisabled(), 'approval waits for the checks');
    assert.match((await page.getByTestId('blocking').textContent()) ?? '', /confirm that the note belongs to this patient; add 2 sentences left out of the draft/);
    await page.screenshot({ path: path.join(shots, 'station-review-checks.png'), fullPage: true });
    const a11y = await accessibilityProblems(page, 'SOAP review with checks');

    // The allergy goes into the draft, with its label; the dose is marked not needed.
    await omissions.nth(0).getByRole('button', { name: 'Add to the draft' }).click();
    await page.getByRole('button', { name: /^Subjective 2: Allergies: penicillin \(anaphylaxis\)\./ }).waitFor();
    assert.equal(await page.getByTestId('omission').count(), 1);
    await page.getByTestId('omission').getByRole('button', { name: 'Not needed' }).click();
    await page.locator('[data-testid=omission][data-dismissed=true]').waitFor();
    assert.ok(await approve.isDisabled(), 'still held: whose note is it?');
    await page.getByTestId('confirm-patient').click();
    await page.getByTestId('patient-confirmed').waitFor();
    await page.waitForFunction(() => !(document.querySelector('[data-testid=approve]') as HTMLButtonElement).disabled);
    a11y.push(...(await accessibilityProblems(page, 'SOAP review, checks resolved')));
    await approve.click();
    const signed = page.getByTestId('signed-note');
    await signed.waitFor();
    assert.match((await signed.textContent()) ?? '', /Allergies: penicillin \(anaphylaxis\)\./, 'the signed note keeps the allergy and its label');
    const trail = page.getByTestId('audit-trail');
    await trail.locator('tr[data-action="note.approved"]').waitFor();
    assert.match((await trail.locator('tr[data-action="note.omission_added"]').textContent()) ?? '', /Sentence left out of the draft added.*Dr\. Anna Berger/);
    assert.match((await trail.locator('tr[data-action="note.patient_confirmed"]').textContent()) ?? '', /Confirmed the note belongs to this patient/);
    await page.close();
    assert.deepEqual(a11y, []);
    assert.deepEqual(problems, []);
  });

  test('an edit holding half an emoji, a NUL and text-direction controls is stored cleaned, and the review says so', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(north.pageUrl);
    // The station is still signed in from the test before (its session lives in the core): locked.
    const unlock = page.getByRole('button', { name: 'Unlock' });
    await page.getByLabel('Username').or(unlock).waitFor({ timeout: 60_000 });
    if (await unlock.isVisible()) {
      await page.getByLabel("Dr. Anna Berger's password").fill(DEMO_PASSWORD);
      await unlock.click();
      await page.getByTestId('ward-row').first().waitFor({ timeout: 15_000 });
    } else await signIn(page);
    const patient = (await north.station.handlers.listPatients({})).patients[2];
    assert.ok(patient);
    const draft = await submitAndOpenReview(page, north, patient, noteFor('none'));
    await page.getByText('AI draft ready for review').waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Edit Plan 1' }).click();
    const box = page.getByLabel('New text for Plan 1');
    await box.waitFor();
    // Typed as a paste would bring it: a lone high surrogate (half an emoji), a NUL, and a
    // right-to-left override with its pop. Built in the page: no protocol between test and
    // browser carries a lone surrogate intact.
    await box.evaluate((el: HTMLTextAreaElement) => {
      const typed = `Continue doxycycline 100 mg PO BD \uD83D today\u0000 \u202Eheld\u202C.`;
      Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(el, typed);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.getByRole('button', { name: /^Save/ }).click();
    const notice = page.getByTestId('statement-cleaned');
    await notice.waitFor({ timeout: 15_000 });
    assert.equal(
      await notice.textContent(),
      'Saved, with a change: 2 text-direction control characters were removed and 2 broken characters were replaced with \uFFFD.',
    );
    assert.equal(await notice.getAttribute('role'), 'status', 'read out by a screen reader');
    // The statement holds the cleaned text: replacement characters where the broken ones were, no direction controls.
    const edited = page.getByRole('button', { name: 'Plan 1: Continue doxycycline 100 mg PO BD \uFFFD today\uFFFD held.' });
    await edited.waitFor();
    const stored = (await north.station.handlers.getNoteReview({ noteId: draft.id })).draft!;
    assert.equal(stored.sections.plan[0]!.review.editedText, 'Continue doxycycline 100 mg PO BD \uFFFD today\uFFFD held.');
    assert.deepEqual(await accessibilityProblems(page, 'SOAP review, cleaned edit'), []);
    await page.close();
    assert.deepEqual(problems, []);
  });

  test('a draft of the built-in structurer says it was made without an AI model, and leaves nothing out', async () => {
    const local = await startSeededServer(3, { summarizer: { provider: 'local' } });
    const station = await startStation(local.owner, local.url, 'north', 'n-med');
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(station.pageUrl);
      await signIn(page);
      const [patient] = (await station.station.handlers.listPatients({})).patients;
      assert.ok(patient);
      await submitAndOpenReview(page, station, patient, noteFor('none'));
      await page.getByText('Structured draft ready for review (made without an AI model)').waitFor({ timeout: 30_000 });
      assert.equal(await page.getByTestId('draft-kind').textContent(), 'Structured draft (no AI model) (not signed)');
      assert.equal(await page.getByTestId('not-in-draft').count(), 0, 'the structurer quotes every sentence');
      assert.equal(await page.getByTestId('wrong-patient').count(), 0);
      assert.ok(await page.getByRole('button', { name: /^Subjective \d+: Allergies: penicillin \(anaphylaxis\)\./ }).isVisible(), 'the allergy keeps its label');
      assert.ok(!(await page.getByTestId('approve').isDisabled()));
      const trail = page.getByTestId('audit-trail');
      await trail.locator('tr[data-action="note.ai_draft_generated"]').waitFor();
      assert.match((await trail.locator('tr[data-action="note.ai_draft_generated"]').textContent()) ?? '', /Structured draft generated \(no AI model\).*Structurer \(no AI model\)/);
      assert.deepEqual(await accessibilityProblems(page, 'SOAP review, structured draft'), []);
      await page.close();
    } finally {
      await station.close();
      await local.close();
    }
  });
});

/** The station submits a note for the patient and syncs it; the page opens that patient's SOAP review (found by MRN: the demo ward has twins). */
async function submitAndOpenReview(page: Page, station: RunningStation, patient: { id: string; mrn: string; familyName: string }, text: string) {
  const draft = await station.station.handlers.saveDraft({ patientId: patient.id, text });
  await station.station.handlers.submitDraft({ draftId: draft.id });
  await station.station.handlers.syncNow({});
  await page.getByLabel('Search patients').fill(patient.mrn);
  await page.getByRole('button', { name: new RegExp(`^${escapeRe(patient.familyName.toUpperCase())}(,|$)`) }).first().click();
  await page.getByRole('tab', { name: 'SOAP review' }).click();
  return draft;
}
