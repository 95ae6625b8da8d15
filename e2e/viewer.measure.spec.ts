// Measuring a distance as a radiologist would: "Measure" (or M on the focused image), drag across the film (or mark
// both ends from the keyboard), read the length in mm from the DICOM file's pixel spacing, with a note that says
// which spacing it is; the line stays on the anatomy under zoom; it can be removed; measuring off, a drag pans
// again; the report's downloaded files list the lengths with their spacing; a PNG measures in its pixels and says so;
// two lines give the cardiothoracic ratio; a line ends at the film's edge; nothing of it reaches the
// model's input.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { radiograph, screenshot, serveTinyModel, unnamedControls, watchErrors } from './pageHelpers';
import { bigDicom, dragAcross, toImage, viewInfo } from './viewerHelpers';

test.use({ serviceWorkers: 'block' });
test.beforeEach(async ({ context }) => {
  await serveTinyModel(context);
});

const SPACING = 0.175; // mm: JSRT's detector pitch

test('a drag measures in mm from the DICOM pixel spacing, stays on the anatomy, and can be removed', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/?device=wasm');
  const buffer = await bigDicom('jsrt/JPCLN001.png', 'PA', 896, `${SPACING}\\${SPACING}`);
  await page.getByTestId('file-input').setInputFiles({ name: 'spaced.dcm', mimeType: 'application/dicom', buffer });
  const view = page.getByTestId('image-view');
  await expect(view).toHaveAttribute('data-model-input', /.+/, { timeout: 90_000 });
  const modelInput = await view.getAttribute('data-model-input');
  const base = page.locator('canvas.radiograph');

  const measure = view.getByRole('button', { name: 'Measure' });
  await measure.click();
  await expect(measure).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('measurements')).toContainText('Drag on the image to measure');
  const v = await viewInfo(base);
  const [from, to]: [number, number][] = [
    [0.3, 0.4],
    [0.7, 0.6],
  ];
  await dragAcross(page, from, to);
  // the expected length, from the drag's two points turned into image pixels here, independently of the page
  const [a, b] = [from, to].map(([fx, fy]) => toImage(v, fx * v.side, fy * v.side));
  const expectedMm = Math.hypot(b[0] - a[0], b[1] - a[1]) * SPACING;
  const item = page.getByTestId('measurement');
  await expect(item).toHaveCount(1);
  await expect(item).toHaveAttribute('data-unit', 'mm');
  expect(Math.abs(Number(await item.getAttribute('data-value')) - expectedMm)).toBeLessThan(expectedMm * 0.01);
  await expect(item).toContainText(`1: ${expectedMm.toFixed(1)} mm`);
  await expect(page.getByTestId('measure-note')).toContainText('at the detector');
  await screenshot(page, 'viewer-measure-mm');
  expect(await base.getAttribute('data-zoom')).toBe('1'); // the drag measured; it did not pan or zoom
  expect(Number(await base.getAttribute('data-cx'))).toBe(0.5);

  // Zoomed in, the line's ends move with the image: they are where the image → canvas transform puts a and b.
  await view.getByRole('button', { name: 'Zoom in' }).click();
  await expect(base).toHaveAttribute('data-zoom', '1.25');
  const z = await viewInfo(base);
  const s = (z.side / Math.max(z.width, z.height)) * z.zoom;
  const line = page.getByTestId('measure-layer').locator('line');
  await expect.poll(async () => Number(await line.getAttribute('x1'))).toBeCloseTo((a[0] - z.cx * z.width) * s + z.side / 2, 0);
  expect(Number(await line.getAttribute('y2'))).toBeCloseTo((b[1] - z.cy * z.height) * s + z.side / 2, 0);
  await expect(item).toContainText(`${expectedMm.toFixed(1)} mm`); // the length does not change with zoom

  // The report's files record the length beside the draft, and which spacing it came from.
  const [txt] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .txt' }).click()]);
  expect(readFileSync((await txt.path())!, 'utf8')).toContain(
    `\nMEASUREMENTS (made in the viewer by the reader, not by the model):\n- spaced.dcm (frontal) 1: ${expectedMm.toFixed(1)} mm (Imager Pixel Spacing, at the detector`,
  );
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .json' }).click()]);
  const [recorded] = JSON.parse(readFileSync((await json.path())!, 'utf8')).measurements;
  expect(recorded).toMatchObject({ image: 'spaced.dcm', view: 'frontal', index: 1, unit: 'mm' });
  expect(Math.abs(recorded.length - expectedMm)).toBeLessThan(expectedMm * 0.01);

  await page.getByRole('button', { name: 'Remove measurement 1' }).click();
  await expect(item).toHaveCount(0);
  const [after] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .txt' }).click()]);
  expect(readFileSync((await after.path())!, 'utf8')).not.toContain('MEASUREMENTS');
  await expect(page.getByTestId('measure-layer').locator('line')).toHaveCount(0);
  await expect(page.getByTestId('measure-layer').locator('path.measure-cross')).toHaveCount(1); // still measuring

  // M on the focused image turns measuring off; a drag pans again and makes no measurement.
  await base.focus();
  await page.keyboard.press('m');
  await expect(measure).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('measure-layer')).toHaveCount(0);
  await dragAcross(page, [0.5, 0.5], [0.3, 0.5]);
  await expect.poll(async () => Number(await base.getAttribute('data-cx'))).toBeGreaterThan(0.5);
  await expect(page.getByTestId('measurements')).toHaveCount(0);
  expect(await view.getAttribute('data-model-input')).toBe(modelInput);
  expect(await unnamedControls(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test('a PNG measures in its own pixels and says how to get millimetres; two lines give the cardiothoracic ratio', async ({ page }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN001.png'));
  const view = page.getByTestId('image-view');
  await expect(view).toBeVisible({ timeout: 90_000 });
  await page.locator('canvas.radiograph').focus();
  await page.keyboard.press('m');
  await dragAcross(page, [0.2, 0.5], [0.8, 0.5]);
  const item = page.getByTestId('measurement');
  await expect(item).toHaveAttribute('data-unit', 'px');
  const v = await viewInfo(page.locator('canvas.radiograph'));
  const expectedPx = (0.6 * v.side) / ((v.side / Math.max(v.width, v.height)) * v.zoom);
  expect(Math.abs(Number(await item.getAttribute('data-value')) - expectedPx)).toBeLessThan(1.5);
  await expect(page.getByTestId('measure-note')).toContainText('PNG file carries no pixel spacing');

  await expect(page.getByTestId('measure-ratio')).toHaveCount(0); // one line: no ratio
  // A line dragged past the film's edge ends at the edge: from the middle of the 224-pixel film, half its width.
  await dragAcross(page, [0.5, 0.5], [1.4, 0.5]);
  await expect(item).toHaveCount(2);
  expect(Number(await item.nth(1).getAttribute('data-value'))).toBeCloseTo(v.width / 2, 0);
  // Two horizontal lines give the cardiothoracic ratio, the narrower over the wider: a PNG's view is not known to be
  // AP, so the note gives the PA threshold.
  const ratio = page.getByTestId('measure-ratio');
  expect(Number(await ratio.getAttribute('data-value'))).toBeCloseTo(v.width / 2 / expectedPx, 2);
  await expect(ratio).toContainText(`Cardiothoracic ratio ${(v.width / 2 / expectedPx).toFixed(2)}: line 2's horizontal width over line 1's`);
  await expect(ratio).toContainText('Over 0.50 on a PA film');
  await screenshot(page, 'viewer-measure-ratio');
});

test('the keyboard measures too: an end under the centre cross, Enter, pan, Enter; Escape drops a first end', async ({ page }) => {
  await page.goto('/?device=wasm');
  const buffer = await bigDicom('jsrt/JPCLN001.png', 'PA', 896, `${SPACING}\\${SPACING}`);
  await page.getByTestId('file-input').setInputFiles({ name: 'spaced.dcm', mimeType: 'application/dicom', buffer });
  const base = page.locator('canvas.radiograph');
  await expect(base).toBeVisible({ timeout: 90_000 });
  await base.focus();
  await page.keyboard.press('m');
  await page.keyboard.press('Enter'); // first end: the image centre
  await expect(page.getByTestId('measure-status')).toContainText('First end marked');
  const c0 = (await viewInfo(base)).cx;
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await viewInfo(base)).cx).toBeGreaterThan(c0);
  const v = await viewInfo(base);
  await page.keyboard.press('Enter');
  const expectedMm = (v.cx - c0) * v.width * SPACING;
  const item = page.getByTestId('measurement');
  await expect(item).toHaveCount(1);
  expect(Number(await item.getAttribute('data-value'))).toBeCloseTo(expectedMm, 1);
  await expect(page.getByTestId('measure-status')).toHaveText(`Measurement 1: ${expectedMm.toFixed(1)} mm.`);

  await page.keyboard.press('Enter');
  await expect(page.getByTestId('measure-status')).toContainText('First end marked');
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('measure-status')).toHaveText(`Measurement 1: ${expectedMm.toFixed(1)} mm.`);
  await expect(item).toHaveCount(1);
});
