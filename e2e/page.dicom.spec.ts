// DICOM as a PACS or viewer exports it, and the page's study lifecycle, in Chromium with the random tiny model:
// compressed transfer syntaxes draft (their decoders load on demand from this app; 12-bit lossy JPEG needs none);
// a CT is refused with a plain reason; a file that fails clears the previous study's draft; a lateral beside a
// frontal is shown for reference and leaves the frontal's draft unchanged; of two frontal films one is drafted, and
// the person can pick the other.
import { expect, test, type Page } from '@playwright/test';
import {
  dicomFromRadiograph,
  dicomRendition,
  dropFiles,
  pydicomFile,
  radiograph,
  screenshot,
  serveTinyModel,
  waitForReport,
  watchErrors,
  watchExternal,
} from './pageHelpers';

test.use({ serviceWorkers: 'block' });

const reportText = (page: Page) => page.getByRole('region', { name: 'Report' }).getByTestId('report-word').allTextContents();

test.describe('DICOM in the page', () => {
  test.beforeEach(async ({ context }) => {
    await serveTinyModel(context);
  });

  test('compressed DICOM drafts: JPEG 2000, JPEG lossless, 12-bit lossy JPEG and multi-frame RLE', async ({ page, context }) => {
    const errors = watchErrors(page);
    const external = watchExternal(context);
    const wasm: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('.wasm') && !r.url().includes('ort-wasm')) wasm.push(r.url());
    });
    await page.goto('/?device=wasm');
    expect(wasm).toEqual([]); // no codec is fetched until a file needs one
    await dropFiles(page, [dicomRendition('j2k_lossless_12')]);
    await waitForReport(page);
    await expect(page.getByTestId('image-view')).toContainText('JPEG 2000 lossless');
    await expect(page.getByTestId('image-view')).toContainText('frontal (PA)');
    expect(wasm.some((u) => /openjpeg/.test(u))).toBe(true);
    await screenshot(page, 'dicom-01-j2k');
    await dropFiles(page, [dicomRendition('jpeg_lossless_sv1_12')]);
    await waitForReport(page);
    await expect(page.getByTestId('image-view')).toContainText('JPEG lossless');
    const codecs = wasm.length;
    await dropFiles(page, [dicomRendition('jpeg_extended_12')]); // 12-bit lossy JPEG: the app's own decoder, no WebAssembly
    await waitForReport(page);
    await expect(page.getByTestId('image-view')).toContainText('JPEG extended');
    expect(wasm).toHaveLength(codecs);
    await dropFiles(page, [dicomRendition('multiframe_rle_12')]);
    await waitForReport(page);
    await expect(page.getByTestId('frame-note')).toContainText('frame 1 of 2');
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
  });

  test('a CT image is refused with a plain reason; its draft only on request', async ({ page }) => {
    await page.goto('/?device=wasm');
    await dropFiles(page, [pydicomFile('CT_small.dcm')]);
    await waitForReport(page);
    const report = page.getByRole('region', { name: 'Report' });
    await expect(report.getByTestId('withheld-reason')).toContainText('This is a CT image (DICOM Modality CT), not a chest radiograph');
    await expect(report.getByTestId('report-word')).toHaveCount(0);
    await screenshot(page, 'dicom-02-ct-refused');
    await report.getByTestId('show-withheld-draft').click();
    await expect(report.getByTestId('report-word').first()).toBeVisible();
    await expect(report.getByTestId('ood-warning')).toContainText('not a chest radiograph');
  });

  test('a file that fails clears the previous draft, heatmaps and candidates; its error takes the report’s place', async ({ page }) => {
    await page.goto('/?device=wasm');
    await dropFiles(page, [radiograph('jsrt/JPCLN001.png')]);
    await waitForReport(page);
    await page.getByTestId('report-word').first().hover();
    const broken = { ...radiograph('jsrt/JPCLN002.png'), name: 'broken.png' };
    broken.buffer = broken.buffer.subarray(0, 300);
    await dropFiles(page, [broken]);
    const report = page.getByRole('region', { name: 'Report' });
    await expect(report.getByTestId('input-error')).toContainText('broken.png');
    await expect(page.getByTestId('report-word')).toHaveCount(0);
    await expect(page.getByTestId('image-view')).toHaveCount(0);
    await expect(page.getByTestId('heatmap-canvas')).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Self-refinement' }).locator('tbody tr')).toHaveCount(0);
    // The error sits in the report panel, not over the image panel.
    const box = await report.getByTestId('input-error').boundingBox();
    const images = await page.getByRole('region', { name: 'Images' }).boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(images!.x + images!.width);
    await screenshot(page, 'dicom-03-failed-drop');
  });

  test('a lateral beside a frontal: the draft comes from the frontal only, the same as the frontal alone', async ({ page }) => {
    await page.goto('/?device=wasm');
    await dropFiles(page, [dicomRendition('explicit_le_12')]);
    await waitForReport(page);
    const alone = await reportText(page);
    expect(alone.length).toBeGreaterThan(0);
    await dropFiles(page, [dicomRendition('explicit_le_12'), dicomRendition('lateral_12')]);
    await expect(page.getByTestId('image-view')).toHaveCount(2);
    await waitForReport(page);
    await expect(page.getByTestId('views-note')).toContainText('made from the frontal view only');
    await expect(page.getByTestId('views-note')).not.toContainText('different studies'); // the renditions share one study
    await expect(page.getByTestId('image-view').nth(1)).toContainText('lateral (LL)');
    await expect(page.getByTestId('image-view').nth(1).getByTestId('reference-note')).toBeVisible();
    expect(await reportText(page)).toEqual(alone);
    await screenshot(page, 'dicom-04-two-views');
  });

  test('two images without view tags: the person says which is the frontal before any draft', async ({ page }) => {
    await page.goto('/?device=wasm');
    await dropFiles(page, [radiograph('jsrt/JPCLN004.png'), radiograph('jsrt/JPCLN005.png')]);
    await expect(page.getByTestId('report-placeholder')).toContainText('Say which image is the frontal view');
    await page.getByRole('combobox', { name: 'View' }).nth(0).selectOption('frontal');
    await page.getByRole('combobox', { name: 'View' }).nth(1).selectOption('lateral');
    await waitForReport(page);
    await expect(page.getByTestId('views-note')).toContainText('JPCLN005.png');
  });

  test('two frontal films: the draft is made from one of them, and the other can be drafted instead', async ({ page }) => {
    await page.goto('/?device=wasm');
    await dropFiles(page, [radiograph('jsrt/JPCLN005.png')]);
    await waitForReport(page);
    const second = await reportText(page);
    await dropFiles(page, [radiograph('jsrt/JPCLN004.png')]);
    await waitForReport(page);
    const first = await reportText(page);
    await dropFiles(page, [radiograph('jsrt/JPCLN004.png'), radiograph('jsrt/JPCLN005.png')]);
    await page.getByRole('combobox', { name: 'View' }).nth(0).selectOption('frontal');
    await page.getByRole('combobox', { name: 'View' }).nth(1).selectOption('frontal');
    await waitForReport(page);
    await expect(page.getByTestId('views-note')).toContainText('one frontal view only: image 1 (JPCLN004.png)');
    await expect(page.getByTestId('views-note')).toContainText('Image 2 (JPCLN005.png), a second frontal view, is shown for reference');
    expect(await reportText(page)).toEqual(first);
    await expect(page.getByTestId('image-view').nth(0).getByTestId('draft-from-view')).toHaveCount(0);
    await expect(page.getByTestId('image-view').nth(1).getByRole('button', { name: 'Draft from this view' })).toBeVisible();
    await page.getByRole('region', { name: 'Report' }).getByRole('button', { name: 'Draft from image 2 (JPCLN005.png) instead' }).click();
    await expect(page.getByTestId('views-note')).toContainText('one frontal view only: image 1 (JPCLN005.png)');
    await waitForReport(page);
    expect(await reportText(page)).toEqual(second);
    await expect(page.getByTestId('image-view').nth(0)).toContainText('JPCLN005.png');
    await expect(page.getByTestId('image-view').nth(1).getByTestId('reference-note')).toBeVisible();
    await screenshot(page, 'dicom-05-two-frontals');
    await page.getByTestId('image-view').nth(1).getByRole('button', { name: 'Draft from this view' }).click(); // the one under the film
    await expect(page.getByTestId('views-note')).toContainText('one frontal view only: image 1 (JPCLN004.png)');
    await waitForReport(page);
    expect(await reportText(page)).toEqual(first);
  });

  test('two DICOM films of different patients, or of one patient on two dates, are said to be so', async ({ page }) => {
    const film = async (rel: string, name: string, study: { patientId: string; studyUid: string; studyDate: string }) => ({
      name,
      mimeType: 'application/dicom',
      buffer: await dicomFromRadiograph(rel, 'PA', study),
    });
    await page.goto('/?device=wasm');
    const a = await film('jsrt/JPCLN004.png', 'a.dcm', { patientId: 'P-0001', studyUid: '1.2.826.0.1.1', studyDate: '20190301' });
    const b = await film('jsrt/JPCLN005.png', 'b.dcm', { patientId: 'P-0002', studyUid: '1.2.826.0.1.2', studyDate: '20210715' });
    await dropFiles(page, [a, b]);
    await waitForReport(page);
    await expect(page.getByTestId('ood-warning')).toContainText('Image 1 (a.dcm) and image 2 (b.dcm) are from different patients');
    await expect(page.getByTestId('unreliable-badge')).toBeVisible();
    const prior = await film('jsrt/JPCLN005.png', 'prior.dcm', { patientId: 'P-0001', studyUid: '1.2.826.0.1.2', studyDate: '20210715' });
    await dropFiles(page, [a, prior]);
    await waitForReport(page);
    await expect(page.getByTestId('views-note')).toContainText(
      'are from different studies (study dates 2019-03-01 and 2021-07-15): the draft is of image 1 (a.dcm) alone, and it describes that film, not a comparison',
    );
    await expect(page.getByTestId('report').getByText('different patients')).toHaveCount(0);
    const same = await film('jsrt/JPCLN005.png', 'same.dcm', { patientId: 'P-0001', studyUid: '1.2.826.0.1.1', studyDate: '20190301' });
    await dropFiles(page, [a, same]);
    await waitForReport(page);
    await expect(page.getByTestId('views-note')).not.toContainText('different studies');
  });
});
