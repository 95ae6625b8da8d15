// The page as a radiologist meets it, in Chromium against the built app with the random tiny model:
// drop a real radiograph → a grounded draft; hovering or focusing a word paints its heatmap; sentences
// have aggregate maps; edits are exported; DICOM works; bad files and a missing model give messages in
// the page; warnings mark the draft unreliable; nothing leaves 127.0.0.1.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { expect, type Locator, test, type Page } from '@playwright/test';
import {
  dicomFromRadiograph,
  dropFiles,
  progressTexts,
  radiograph,
  recordProgressTexts,
  screenshot,
  serveTinyModel,
  unnamedControls,
  waitForReport,
  watchErrors,
  watchExternal,
} from './pageHelpers';

const overlaySum = (page: Page, index = 0) =>
  page
    .getByTestId('heatmap-canvas')
    .nth(index)
    .evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data).reduce((a, v) => a + v, 0));

/** Where a column sits in the candidates table, by its header (columns come and go with the weights). */
const columnIndex = (panel: Locator, name: string): Promise<number> =>
  panel.locator('thead th').evaluateAll((ths, n) => ths.findIndex((th) => th.textContent?.trim() === n), name);

// WebGPU on headless Chromium is SwiftShader (slow shader compiles): the first test runs the default
// backend choice; the others use ?device=wasm to stay fast (page logic is the same; page.backends.spec.ts
// checks both backends give the same report). Service workers are page.offline.spec.ts's subject.
test.use({ serviceWorkers: 'block' });

test.describe('with the tiny model installed', () => {
  test.beforeEach(async ({ context }) => {
    await serveTinyModel(context);
  });

  test('a dropped radiograph gets a grounded draft; words and sentences paint their heatmaps', async ({ page, context }) => {
    const errors = watchErrors(page);
    const external = watchExternal(context);
    await recordProgressTexts(page);
    await page.goto('/');
    await expect(page.getByTestId('backend')).toContainText(/Backend: (WEBGPU|WASM)/);
    await expect(page.getByTestId('clinical-notice')).toContainText('not for clinical use');
    await screenshot(page, '01-empty');

    await dropFiles(page, [radiograph('jsrt/JPCLN001.png')]);
    await waitForReport(page);
    const report = page.getByRole('region', { name: 'Report' });
    await expect(report).toBeVisible();
    await expect(report.getByRole('heading', { name: 'Findings' })).toBeVisible();
    await screenshot(page, '02-report');
    const seen = await progressTexts(page);
    expect(seen.load.some((t) => /Download model.*\d+(\.\d)? KB of [\d.]+ KB \(\d+%\)/.test(t))).toBe(true);
    // one total throughout: the model's bytes, not a sum that grows as files arrive
    expect(new Set(seen.load.flatMap((t) => /of ([\d.]+ [KMG]?B) \(/.exec(t)?.[1] ?? []))).toHaveProperty('size', 1);
    expect(seen.load.some((t) => t.includes('Compile and warm up'))).toBe(true);
    expect(seen.run.some((t) => /Write draft\d+ words so far/.test(t))).toBe(true);
    expect(seen.stream.some((t) => /\w+ \w+/.test(t) && !t.startsWith('Reading the image'))).toBe(true);
    expect(await unnamedControls(page)).toEqual([]);

    // Hover a word: its map is drawn over the image.
    expect(await overlaySum(page)).toBe(0);
    const words = page.getByTestId('report-word');
    await words.first().hover();
    await expect.poll(() => overlaySum(page)).toBeGreaterThan(0);
    await expect(page.getByTestId('map-caption')).toContainText('grounding');
    const firstMap = await overlaySum(page);
    await screenshot(page, '03-word-heatmap');

    // Keyboard: focus the first word, arrow to the next; the caption and the map follow.
    await page.mouse.move(0, 0);
    await words.first().focus();
    const firstCaption = await page.getByTestId('map-caption').textContent();
    await page.keyboard.press('ArrowRight');
    await expect(words.nth(1)).toBeFocused();
    await expect(page.getByTestId('map-caption')).not.toHaveText(firstCaption ?? '');
    await expect(page.getByTestId('map-caption')).toContainText(`“${(await words.nth(1).textContent())?.trim()}”`);
    await page.keyboard.press('Enter');
    await expect(words.nth(1)).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('Escape');
    await expect(words.nth(1)).toHaveAttribute('aria-pressed', 'false');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await expect(words.nth(1)).toBeFocused(); // one tab stop for all words: Tab comes back to the last one

    // Opacity changes the drawn pixels.
    const before = await overlaySum(page);
    await page.getByLabel('Overlay opacity').fill('1');
    await expect.poll(() => overlaySum(page)).not.toBe(before);

    // A sentence marker pins the sentence's aggregate map (it stays after focus leaves the words).
    await page.getByTestId('sentence-marker').first().click();
    await expect(page.getByTestId('sentence-marker').first()).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('map-caption')).toContainText('Sentence 1');
    expect(await overlaySum(page)).toBeGreaterThan(0);
    expect(await overlaySum(page)).not.toBe(firstMap);
    await screenshot(page, '04-sentence-heatmap');

    // Every word carries its grounding, and the underline strength follows it.
    const grounding = await words.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.grounding)));
    expect(grounding.every(Number.isFinite)).toBe(true);

    // With no ?device=, a WebGPU adapter (SwiftShader here) means both backends were timed at load: the panel shows
    // both numbers and the faster was kept; a reload uses the remembered result instead of measuring again.
    await page.locator('summary', { hasText: 'Backend and timings' }).click();
    const timings = page.getByTestId('backend-timings');
    await expect(timings).toContainText(/^WebGPU [\d.]+ ms\/step, WASM [\d.]+ ms\/step \(3 beams; measured \d{4}-\d\d-\d\d\) → (WebGPU|WASM)$/);
    await expect(page.getByTestId('backend')).toContainText(/is faster here: .* measured at load/);
    const stored = await page.evaluate(() => Object.keys(JSON.parse(localStorage.getItem('serpent.backendTimings.v1') ?? '{}')));
    expect(stored).toHaveLength(1);
    await page.reload();
    await expect(page.getByTestId('backend')).toContainText(/remembered for this GPU/, { timeout: 60_000 });

    expect(errors).toEqual([]);
    expect(external).toEqual([]);
  });

  test('the edited report is what gets downloaded, with model, settings and candidates', async ({ page }) => {
    await page.goto('/?device=wasm');
    await page.getByTestId('file-input').setInputFiles(radiograph('kermany/IM-0115-0001.jpeg'));
    await waitForReport(page);
    await page.getByRole('button', { name: 'Edit text' }).click();
    const findings = page.getByTestId('findings-text');
    await findings.fill('Heart size is normal. Lungs are clear.');
    await page.getByTestId('impression-text').fill('No acute cardiopulmonary abnormality.');
    await screenshot(page, '05-edit');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .json' }).click()]);
    const doc = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(doc.report).toEqual({ findings: 'Heart size is normal. Lungs are clear.', impression: 'No acute cardiopulmonary abnormality.', edited: true });
    expect(doc.model.id).toBe('random-tiny');
    expect(doc.settings.beam).toBeGreaterThanOrEqual(1);
    expect(doc.candidates.length).toBeGreaterThanOrEqual(1);
    expect(doc.candidates.filter((c: { chosen: boolean }) => c.chosen)).toHaveLength(1);
    expect(Date.parse(doc.timestamp)).not.toBeNaN();
    const [txt] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .txt' }).click()]);
    const text = readFileSync((await txt.path())!, 'utf8');
    expect(text).toMatch(/^FINDINGS:\nHeart size is normal\. Lungs are clear\.\n\nIMPRESSION:\nNo acute cardiopulmonary abnormality\.\n/);
    expect(text).toContain('Not for clinical use');
  });

  test('beam width, diverse groups, samples, β, γ and τ re-run the self-refinement; the panel says what each candidate asserts', async ({ page }) => {
    await page.goto('/?device=wasm');
    await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN002.png'));
    await waitForReport(page);
    const panel = page.getByRole('region', { name: 'Self-refinement' });
    await expect(panel.locator('tbody tr[data-chosen="true"]')).toHaveCount(1);
    await panel.getByTestId('beam-input').fill('1');
    await panel.getByTestId('samples-input').fill('0');
    await panel.getByTestId('beta-input').fill('0');
    await panel.getByRole('button', { name: 'Re-run' }).click();
    await waitForReport(page);
    await expect(panel.locator('tbody tr')).toHaveCount(1);
    await expect(panel.getByTestId('rerank-note')).toContainText('nothing to weigh');
    await panel.getByTestId('beam-input').fill('4');
    await panel.getByTestId('groups-input').selectOption('2');
    await panel.getByTestId('penalty-input').fill('2');
    await panel.getByTestId('beta-input').fill('2');
    await panel.getByTestId('penalty-input').press('Enter'); // the form submits from the keyboard
    await waitForReport(page);
    await expect(panel.locator('tbody tr')).toHaveCount(4);
    await expect(panel.locator('tbody tr[data-chosen="true"]')).toHaveCount(1);
    await expect(panel.getByTestId('rerank-note')).toContainText(/The 4 candidates assert|All 4 candidates assert/);
    await expect(panel.getByTestId('finding-tally').locator('li').first()).toContainText(/asserted by [1-4] of 4 candidates/);
    await expect(panel.getByRole('list', { name: 'Findings of candidate 1' })).toBeVisible();
    await expect(panel.locator('.sampled-mark')).toHaveCount(0);
    // Greedy plus three samples from the model's own distribution: every candidate but the greedy one says it was sampled.
    await panel.getByTestId('beam-input').fill('1');
    await panel.getByTestId('samples-input').fill('3');
    await panel.getByTestId('temperature-input').fill('1');
    await panel.getByRole('button', { name: 'Re-run' }).click();
    await waitForReport(page);
    const rows = await panel.locator('tbody tr').count();
    expect(rows).toBeGreaterThanOrEqual(2);
    await expect(panel.locator('.sampled-mark')).toHaveCount(rows - 1);
    // Finding votes (τ 0.6, β 1): each candidate carries its findings' vote support, and the note states the rule.
    await panel.getByTestId('beta-input').fill('1');
    await panel.getByTestId('vote-threshold-input').fill('0.6');
    await panel.getByRole('button', { name: 'Re-run' }).click();
    await waitForReport(page);
    await expect(panel.getByRole('columnheader', { name: 'Votes' })).toBeVisible();
    await expect(panel.getByTestId('rerank-note')).toContainText('more than 60 % of the draws');
    await expect(panel.getByRole('columnheader', { name: 'Agreement' })).toHaveCount(0); // γ 0: its term does not count
    const combinedAt = await columnIndex(panel, 'Combined');
    const voted = await panel.locator('tbody tr').evaluateAll((trs, at) => trs.map((tr) => Number(tr.children[at].textContent)), combinedAt);
    expect(voted).toEqual([...voted].sort((a, b) => b - a));
    // γ = 10 (β 0, no votes): each candidate is scored LM score + 10 × its agreement on findings, best first.
    await panel.getByTestId('vote-threshold-input').fill('0');
    await panel.getByTestId('beta-input').fill('0');
    await panel.getByTestId('consensus-input').fill('10');
    await panel.getByRole('button', { name: 'Re-run' }).click();
    await waitForReport(page);
    await expect(panel.getByRole('columnheader', { name: 'Agreement' })).toBeVisible();
    const at = [await columnIndex(panel, 'LM score'), await columnIndex(panel, 'Agreement'), await columnIndex(panel, 'Combined')];
    const cells = await panel.locator('tbody tr').evaluateAll((trs, at) => trs.map((tr) => at.map((i) => Number(tr.children[i].textContent))), at);
    for (const [lm, agree, combined] of cells) expect(Math.abs(combined - (lm + 10 * agree))).toBeLessThan(0.01);
    const combined = cells.map((c) => c[2]);
    expect(combined).toEqual([...combined].sort((a, b) => b - a));
    await panel.locator('table').scrollIntoViewIfNeeded();
    await screenshot(page, '06-candidates');
  });

  test('a DICOM file gets a report, its view read from the ViewPosition tag', async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto('/?device=wasm');
    const dicom = await dicomFromRadiograph('jsrt/JPCLN003.png', 'PA');
    await page.getByTestId('file-input').setInputFiles({ name: 'chest.dcm', mimeType: 'application/dicom', buffer: dicom });
    await waitForReport(page);
    await expect(page.getByTestId('image-view')).toContainText('DICOM');
    await expect(page.getByTestId('image-view')).toContainText('frontal (PA)');
    await screenshot(page, '07-dicom');
    expect(errors).toEqual([]);
  });

  test('two views: both get a preview, the frontal the heatmap, the lateral a reference note', async ({ page }) => {
    await page.goto('/?device=wasm');
    await page.getByTestId('file-input').setInputFiles([radiograph('jsrt/JPCLN004.png'), radiograph('jsrt/JPCLN005.png')]);
    await expect(page.getByTestId('image-view')).toHaveCount(2);
    // Neither file states its view: the person says which is which (the frontal then moves first).
    const viewOf = (name: string) => page.getByTestId('image-view').filter({ hasText: name }).getByRole('combobox', { name: 'View' });
    await viewOf('JPCLN005.png').selectOption('frontal');
    await viewOf('JPCLN004.png').selectOption('lateral');
    await waitForReport(page);
    await page.getByTestId('report-word').first().hover();
    // The frontal (shown first) has the word's map; the lateral is for reference: the draft was not made from it.
    await expect.poll(() => overlaySum(page, 0)).toBeGreaterThan(0);
    expect(await overlaySum(page, 1)).toBe(0);
    await expect(page.getByTestId('reference-note')).toHaveCount(1);
    await screenshot(page, '08-two-views');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(page, '08-two-views-1920');
  });

  test('bad files get a message in the page that says what is wrong and what to do', async ({ page }) => {
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto('/?device=wasm');
    const png = radiograph('jsrt/JPCLN006.png');
    const truncated = { ...png, name: 'cut.png', buffer: png.buffer.subarray(0, 200) };
    await page.getByTestId('file-input').setInputFiles(truncated);
    const alert = page.getByTestId('input-error');
    await expect(alert).toHaveAttribute('role', 'alert');
    await expect(alert).toContainText('cut.png');
    await expect(alert).toContainText(/damaged|export it again/i);
    await screenshot(page, '09-corrupt-file');
    await page.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await expect(alert).toContainText('not a recognised image');
    await expect(alert).toContainText('PNG, JPEG, JPEG 2000, TIFF or DICOM');
    await page.getByTestId('file-input').setInputFiles([png, png, png].map((f, i) => ({ ...f, name: `${i}.png` })));
    await expect(alert).toContainText('one frontal image, or a frontal and a lateral');
    // a blank image reads, but holds nothing to draft from: the engine says so, and drafting it again cannot help
    const blank = new PNG({ width: 256, height: 256 });
    blank.data.fill(0);
    for (let i = 0; i < 256 * 256; i++) blank.data.set([90, 90, 90, 255], i * 4);
    await page.getByTestId('file-input').setInputFiles({ name: 'blank.png', mimeType: 'image/png', buffer: PNG.sync.write(blank) });
    const failed = page.getByTestId('run-error');
    await expect(failed).toContainText('blank.png: The image is blank: every pixel has the same grey value (90 of 255)');
    await expect(page.getByRole('button', { name: 'Draft again' })).toHaveCount(0);
    await expect(page.getByTestId('report-word')).toHaveCount(0);
    expect(dialogs).toEqual([]);
  });

  test('a colour photograph gets a prominent warning and an unreliable draft', async ({ page }) => {
    const png = new PNG({ width: 96, height: 96 });
    for (let i = 0; i < 96 * 96; i++) png.data.set([(i * 7) % 256, 40, 255 - ((i * 3) % 256), 255], i * 4);
    await page.goto('/?device=wasm');
    await page.getByTestId('file-input').setInputFiles({ name: 'holiday.png', mimeType: 'image/png', buffer: PNG.sync.write(png) });
    await waitForReport(page);
    await expect(page.getByTestId('ood-warning')).toBeVisible();
    await expect(page.getByTestId('ood-warning')).toHaveAttribute('role', 'alert');
    await expect(page.getByTestId('unreliable-badge')).toBeVisible();
    await screenshot(page, '10-warning');
  });

  test('a film smaller than the model input is drafted with a warning to use the full-size radiograph', async ({ page }) => {
    await page.goto('/?device=wasm');
    await page.getByTestId('file-input').setInputFiles(radiograph('nih64/00000001_000.png'));
    await waitForReport(page);
    const warning = page.getByTestId('ood-warning');
    await expect(warning).toContainText('00000001_000.png is 64×64 pixels, smaller than the 128×128 the model reads');
    await expect(warning).toContainText('Use the original, full-size radiograph.');
    await expect(page.getByTestId('unreliable-badge')).toBeVisible();
  });
});

test('with no model installed the page says how to install one', async ({ page, context }) => {
  const errors = watchErrors(page);
  await context.route(/\/models\/index\.json(\?.*)?$/, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('/?device=wasm');
  await expect(page.getByTestId('model-error')).toContainText('No model is installed: run npm run export');
  await screenshot(page, '11-no-model');
  expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
});

test('the page’s security policy refuses any request to another host', async ({ page, context }) => {
  const external = watchExternal(context);
  await page.goto('/');
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute('content', /connect-src 'self' blob: data:/);
  const outcome = await page.evaluate(async () => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
    const fetched = await fetch('http://192.0.2.1/steal').then(
      () => 'sent',
      () => 'blocked',
    );
    await new Promise((r) => setTimeout(r, 50));
    return { fetched, violations };
  });
  expect(outcome).toEqual({ fetched: 'blocked', violations: ['connect-src'] });
  expect(external).toEqual([]);
});
