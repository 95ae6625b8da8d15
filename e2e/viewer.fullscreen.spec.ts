// "Full screen": one view takes the whole screen, its canvases redrawn at the larger size (not stretched), the zoom,
// pan and heatmap kept on the same image pixels, the heatmap captioned there since the report is out of sight; the
// button and F (on the focused film) toggle it, Escape leaves it, and the page is as it was afterwards.
import { expect, type Page, test } from '@playwright/test';
import { axeViolations, serveTinyModel, screenshot, waitForReport, watchErrors } from './pageHelpers';
import { BIG, bigDicom, canvasSum, overlayPeak, toImage, viewInfo } from './viewerHelpers';

test.use({ serviceWorkers: 'block' });
test.beforeEach(async ({ context }) => {
  await serveTinyModel(context);
});

const isFullscreen = (page: Page): Promise<boolean> => page.evaluate(() => document.fullscreenElement?.getAttribute('data-testid') === 'image-view');

test('the film fills the screen and comes back, redrawn at each size on the same image pixels', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles({ name: 'big.dcm', mimeType: 'application/dicom', buffer: await bigDicom() });
  await waitForReport(page);
  await page.getByLabel('Overlay opacity').fill('1');
  await page.getByTestId('report-word').first().click(); // pinned: the map stays while the report is out of sight
  const caption = (await page.getByTestId('map-caption').textContent()) ?? '';
  const base = page.locator('canvas.radiograph');
  const overlay = page.getByTestId('heatmap-canvas');
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await expect(base).toHaveAttribute('data-zoom', '1.25');
  await expect.poll(() => canvasSum(overlay)).toBeGreaterThan(0);
  const v0 = await viewInfo(base);
  const sum0 = await canvasSum(base);
  const peak0 = toImage(v0, ...(await overlayPeak(overlay)));

  const button = page.getByRole('button', { name: 'Full screen' });
  await button.click();
  await expect.poll(() => isFullscreen(page)).toBe(true);
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await viewInfo(base)).cssSide).toBeGreaterThan(1.4 * v0.cssSide);
  const v1 = await viewInfo(base);
  const dpr = await page.evaluate(() => window.devicePixelRatio || 1);
  expect(v1.side).toBe(Math.round(v1.cssSide * dpr)); // the backing store follows the box: drawn at this size, not stretched
  expect([v1.zoom, v1.cx, v1.cy]).toEqual([v0.zoom, v0.cx, v0.cy]);
  await expect(page.getByTestId('fullscreen-map-caption')).toContainText(`Heatmap: ${caption.trim().slice(0, 40)}`);
  await expect.poll(() => canvasSum(overlay)).toBeGreaterThan(0);
  const peak1 = toImage(v1, ...(await overlayPeak(overlay)));
  expect(Math.hypot(peak1[0] - peak0[0], peak1[1] - peak0[1])).toBeLessThan(0.01 * BIG);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'viewer-fullscreen');

  // F on the focused film leaves full screen: the same box, zoom and pixels as before.
  await base.focus();
  await page.keyboard.press('f');
  await expect.poll(() => isFullscreen(page)).toBe(false);
  await expect(button).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('fullscreen-map-caption')).toHaveCount(0);
  await expect.poll(async () => (await viewInfo(base)).cssSide).toBe(v0.cssSide);
  await expect.poll(() => canvasSum(base)).toBe(sum0);

  // F enters again; Escape (the page's own handler, as the browser's does) leaves.
  await page.keyboard.press('F');
  await expect.poll(() => isFullscreen(page)).toBe(true);
  await page.keyboard.press('Escape');
  await expect.poll(() => isFullscreen(page)).toBe(false);
  await expect(base).toBeFocused();
  expect(errors).toEqual([]);
});
