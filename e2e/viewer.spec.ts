// The viewer as a radiologist uses it, in Chromium with the tiny model: zoom redraws the image from full
// resolution and the heatmap with it; a word's heatmap stays on the same image pixel under zoom and pan
// and its hottest region is named; window/level changes the drawn pixels but not the model's input
// (checked against the input recomputed here from the file); everything works from the keyboard, the
// "Measure" toggle too (measuring itself: viewer.measure.spec.ts), and "Mouse and keys" lists them; two views are
// independent until linked.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { dropFiles, radiograph, screenshot, serveTinyModel, tinyModelDir, unnamedControls, waitForReport, watchErrors } from './pageHelpers';
import { BIG, bigDicom, canvasSum, centreDetail, overlayPeak, toImage, viewInfo } from './viewerHelpers';

test.use({ serviceWorkers: 'block' });

const dicomFile = async () => ({ name: 'big.dcm', mimeType: 'application/dicom', buffer: await bigDicom() });
const radiographCanvas = (page: Page, n = 0) => page.getByTestId('image-view').nth(n).locator('canvas.radiograph');
const overlayCanvas = (page: Page, n = 0) => page.getByTestId('heatmap-canvas').nth(n);

test.beforeEach(async ({ context }) => {
  await serveTinyModel(context);
});

test('“Zoom in” redraws the image from full resolution, and the overlay with it', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(await dicomFile());
  await waitForReport(page);
  await page.getByTestId('report-word').first().click(); // pinned: the map stays while the pointer is elsewhere
  const base = radiographCanvas(page);
  const overlay = overlayCanvas(page);
  await expect.poll(() => canvasSum(overlay)).toBeGreaterThan(0);
  const [base0, overlay0, detail0] = [await canvasSum(base), await canvasSum(overlay), await centreDetail(base)];

  const view = page.getByTestId('image-view');
  await view.getByRole('button', { name: 'Zoom in' }).click();
  await expect(base).toHaveAttribute('data-zoom', '1.25');
  await expect.poll(() => canvasSum(base)).not.toBe(base0);
  await expect.poll(() => canvasSum(overlay)).not.toBe(overlay0);

  // The 1-pixel checkerboard in the middle is grey at fit (and in the model's input); zoomed, it is drawn.
  const pxPerImagePx = async (): Promise<number> => ((await viewInfo(base)).zoom * (await viewInfo(base)).side) / BIG;
  for (let i = 0; i < 12 && (await pxPerImagePx()) < 2.5; i++) await view.getByRole('button', { name: 'Zoom in' }).click();
  expect(await pxPerImagePx()).toBeGreaterThan(2.5);
  expect(detail0).toBeLessThan(10);
  await expect.poll(() => centreDetail(base)).toBeGreaterThan(25);
  await screenshot(page, 'viewer-01-zoomed-full-resolution');

  await view.getByRole('button', { name: 'Reset view' }).click();
  await expect(base).toHaveAttribute('data-zoom', '1');
  await expect.poll(() => canvasSum(base)).toBe(base0);

  // The wheel zooms about the pointer: the image pixel under it stays under it. Double-click fits again.
  const box = (await base.boundingBox())!;
  const at: [number, number] = [box.x + box.width * 0.3, box.y + box.height * 0.7];
  const fit = await viewInfo(base);
  const pointer = (v: typeof fit) => toImage(v, ((at[0] - box.x) * v.side) / v.cssSide, ((at[1] - box.y) * v.side) / v.cssSide);
  await page.mouse.move(...at);
  await page.mouse.wheel(0, -400);
  await expect.poll(async () => (await viewInfo(base)).zoom).toBeGreaterThan(1.5);
  const [before, after] = [pointer(fit), pointer(await viewInfo(base))];
  expect(Math.hypot(after[0] - before[0], after[1] - before[1])).toBeLessThan(1);
  await base.dblclick({ position: { x: 10, y: 10 } });
  await expect(base).toHaveAttribute('data-zoom', '1');
  expect(await unnamedControls(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test('a word’s heatmap peak stays on the same image pixel under zoom and pan, and its region is named', async ({ page }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(await dicomFile());
  await waitForReport(page);
  await page.getByLabel('Overlay opacity').fill('1');
  await page.getByTestId('report-word').first().click();
  await expect(page.getByTestId('map-caption')).toContainText(/Hottest: .+\./);
  const base = radiographCanvas(page);
  const overlay = overlayCanvas(page);
  await expect.poll(() => canvasSum(overlay)).toBeGreaterThan(0);

  const v0 = await viewInfo(base);
  const p = await overlayPeak(overlay);
  const P = toImage(v0, ...p);
  const caption = (await page.getByTestId('map-caption').textContent()) ?? '';
  if (P[0] < 0.42 * v0.width) expect(caption).toMatch(/Hottest: right/); // image left = patient right (PA)
  if (P[0] > 0.58 * v0.width) expect(caption).toMatch(/Hottest: left/);
  await screenshot(page, 'viewer-02-word-map-fit');

  // Zoom ×1.95 about the centre, then drag so the peak should sit 40 px from where it was, toward the centre.
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Zoom in' }).click();
  const v1 = await viewInfo(base);
  const r = v1.zoom / v0.zoom;
  const c = v0.side / 2;
  const toCentre = Math.hypot(c - p[0], c - p[1]);
  const delta: [number, number] = toCentre > 1 ? [((c - p[0]) / toCentre) * 40, ((c - p[1]) / toCentre) * 40] : [40, 0];
  const zoomed = [c + r * (p[0] - c), c + r * (p[1] - c)];
  const target: [number, number] = [p[0] + delta[0], p[1] + delta[1]];
  const box = (await base.boundingBox())!;
  const cssPerPx = v0.cssSide / v0.side;
  const start = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(start[0], start[1]);
  await page.mouse.down();
  await page.mouse.move(start[0] + (target[0] - zoomed[0]) * cssPerPx, start[1] + (target[1] - zoomed[1]) * cssPerPx, { steps: 8 });
  await page.mouse.up();

  const v2 = await viewInfo(base);
  const q = await overlayPeak(overlay);
  const Q = toImage(v2, ...q);
  expect(Math.hypot(q[0] - target[0], q[1] - target[1])).toBeLessThan(6); // where the test's own maths put it
  expect(Math.hypot(Q[0] - P[0], Q[1] - P[1])).toBeLessThan(0.01 * BIG); // the same image pixel (within 9 px of 896)
  expect(Math.hypot(q[0] - p[0], q[1] - p[1])).toBeGreaterThan(30); // and it did move on the screen
  await screenshot(page, 'viewer-03-word-map-zoomed');
});

test('Window changes the drawn pixels, never the model’s input', async ({ page }) => {
  await page.goto('/?device=wasm');
  const file = await dicomFile();
  await page.getByTestId('file-input').setInputFiles(file);
  await waitForReport(page);
  await expect(page.getByTestId('display-note')).toContainText('the model always reads the file’s own pixels');
  const figure = page.getByTestId('image-view');
  const checksum = await figure.getAttribute('data-model-input');
  expect(checksum).toMatch(/^[0-9a-f]{8}$/);

  // The checksum is the model's input as the engine computes it from the file, recomputed here.
  const { decodeImage, preprocess, toUint8 } = await import('../src/image');
  const { fnv1a } = await import('../src/ui/lib/checksum');
  const pre = JSON.parse(readFileSync(path.join(tinyModelDir(), 'manifest.json'), 'utf8')).preprocessing;
  const unit = preprocess(decodeImage(new Uint8Array(file.buffer)), { size: pre.image_size, mean: pre.pixel_mean, std: pre.pixel_std, quantise: true }).unit;
  expect(checksum).toBe(fnv1a(toUint8(unit)));

  const base = radiographCanvas(page);
  const before = await canvasSum(base);
  await figure.getByRole('combobox', { name: 'Preset' }).selectOption({ label: 'Full range' });
  await screenshot(page, 'viewer-04-full-range');
  await figure.getByRole('combobox', { name: 'Preset' }).selectOption({ label: 'Lung' });
  await expect.poll(() => canvasSum(base)).not.toBe(before);
  await screenshot(page, 'viewer-05-lung-window');
  const lung = await canvasSum(base);
  await figure.getByRole('slider', { name: 'Window' }).fill('600');
  await expect.poll(() => canvasSum(base)).not.toBe(lung);
  await expect(figure.getByRole('combobox', { name: 'Preset' })).toHaveValue('custom');
  const narrow = await canvasSum(base);

  // Right-drag: to the right widens the window.
  const widthBefore = Number(await figure.getByRole('slider', { name: 'Window' }).inputValue());
  const box = (await base.boundingBox())!;
  await page.mouse.move(box.x + 100, box.y + 100);
  await page.mouse.down({ button: 'right' });
  await page.mouse.move(box.x + 200, box.y + 100, { steps: 5 });
  await page.mouse.up({ button: 'right' });
  expect(Number(await figure.getByRole('slider', { name: 'Window' }).inputValue())).toBeGreaterThan(widthBefore);
  await figure.getByRole('checkbox', { name: 'Invert' }).check();
  await expect.poll(() => canvasSum(base)).not.toBe(narrow);

  // Draft again with all of that on screen: the model reads the same pixels.
  await page.getByRole('region', { name: 'Self-refinement' }).getByRole('button', { name: 'Re-run' }).click();
  await waitForReport(page);
  await expect(figure).toHaveAttribute('data-model-input', checksum!);
});

test('keyboard only: reach the image, zoom, pan, reset, and change the window', async ({ page }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(await dicomFile());
  const base = radiographCanvas(page);
  await expect(base).toBeVisible();
  await page.locator('body').focus();
  for (let i = 0; i < 40 && !(await base.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(base).toBeFocused();
  const fit = await canvasSum(base);
  await page.keyboard.press('+');
  await expect(base).toHaveAttribute('data-zoom', '1.25');
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await viewInfo(base)).cx).toBeGreaterThan(0.5);
  await page.keyboard.press('ArrowUp');
  await expect.poll(async () => (await viewInfo(base)).cy).toBeLessThan(0.5);
  await page.keyboard.press('-');
  await expect(base).toHaveAttribute('data-zoom', '1');
  await page.keyboard.press('0');
  await expect(base).toHaveAttribute('data-cx', '0.5');
  await expect.poll(() => canvasSum(base)).toBe(fit);

  // On to the toolbar and the window controls with Tab.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Zoom in' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(base).toHaveAttribute('data-zoom', '1.25');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(base).toHaveAttribute('data-zoom', '1');
  await page.keyboard.press('Tab');
  const measure = page.getByRole('button', { name: 'Measure' });
  await expect(measure).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(measure).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('measurements')).toContainText('Drag on the image to measure');
  await page.keyboard.press('Space');
  await expect(measure).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Full screen' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Save view' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('slider', { name: 'Window' })).toBeFocused();
  for (let i = 0; i < 5; i++) await page.keyboard.press('PageDown');
  await expect.poll(() => canvasSum(base)).not.toBe(fit);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('combobox', { name: 'Preset' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('checkbox', { name: 'Invert' })).toBeFocused();
  const windowed = await canvasSum(base);
  await page.keyboard.press('Space');
  await expect.poll(() => canvasSum(base)).not.toBe(windowed);
});

test('two views zoom independently until “Link views” is on', async ({ page }) => {
  await page.goto('/?device=wasm');
  await dropFiles(page, [radiograph('jsrt/JPCLN004.png'), radiograph('jsrt/JPCLN005.png')]);
  await expect(page.getByTestId('image-view')).toHaveCount(2);
  const [a, b] = [radiographCanvas(page, 0), radiographCanvas(page, 1)];
  await page.getByTestId('image-view').nth(0).getByRole('button', { name: 'Zoom in' }).click();
  await expect(a).toHaveAttribute('data-zoom', '1.25');
  await expect(b).toHaveAttribute('data-zoom', '1');
  await page.getByRole('checkbox', { name: 'Link views' }).check();
  await expect(a).toHaveAttribute('data-zoom', '1.25'); // the first view's zoom and pan, copied
  await expect(b).toHaveAttribute('data-zoom', '1.25');
  await b.focus();
  await page.keyboard.press('ArrowDown');
  await expect.poll(async () => (await viewInfo(a)).cy).toBeGreaterThan(0.5);
  expect((await viewInfo(a)).cy).toBe((await viewInfo(b)).cy);
});

test('“Mouse and keys” opens from the keyboard over the films, without moving them, and names every key the film answers to', async ({ page }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(await dicomFile());
  const base = radiographCanvas(page);
  await expect(base).toBeVisible();
  const before = await base.boundingBox();
  const keys = page.getByTestId('viewer-keys');
  await keys.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(keys).toHaveAttribute('open', '');
  const listed = await keys.locator('dt').allTextContents();
  for (const key of ['+ / −', 'Arrow keys', '0', 'M', 'F', 'Escape']) expect(listed).toContain(key);
  // Each key the list names is one the film's own label (what a screen reader hears) names too.
  const label = (await base.getAttribute('aria-label')) ?? '';
  for (const phrase of ['Plus and minus zoom', 'arrow keys pan', '0 resets', 'M measures', 'F fills the screen']) expect(label).toContain(phrase);
  expect(await base.boundingBox()).toEqual(before);
  await page.keyboard.press('Enter');
  await expect(keys).not.toHaveAttribute('open', '');
});

test('one view at 1280 × 720: the toolbar and the window controls each keep one row under the film, and the drafted study fits the window', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(await dicomFile());
  await expect(radiographCanvas(page)).toBeVisible();
  await waitForReport(page);
  // the top bar keeps one row, and the film, its controls and the heatmap legend fit the image panel without a scroll
  expect(await page.locator('.topbar').evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(52);
  expect(await page.locator('.image-panel').evaluate((el) => el.scrollHeight - el.clientHeight)).toBeLessThanOrEqual(0);
  // The spread of the visible controls' vertical centres: a wrapped row puts one a whole row (25 px or more) lower.
  const spread = (selector: string) =>
    page.locator(selector).evaluate((group) => {
      const centres = [...group.children]
        .map((el) => el.getBoundingClientRect())
        .filter((r) => r.height > 0)
        .map((r) => r.top + r.height / 2);
      return Math.max(...centres) - Math.min(...centres);
    });
  expect(await spread('.viewer-toolbar')).toBeLessThan(8);
  expect(await spread('.window-controls')).toBeLessThan(8);
});
