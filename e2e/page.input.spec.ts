// Ways in besides dropping files, in Chromium with the random tiny model: pasting a radiograph (a PACS viewer's "Copy
// image", a screenshot) anywhere on the page drafts it as a drop would, while a paste into the report editor stays the
// editor's; choosing a study's folder as a PACS CD holds it (DICOMDIR, nested folders, an extensionless DICOM file, a
// DICOM object with no pixels, a viewer program) drafts the image in it, and a folder with no image says so; films
// saved without their DICOM (12-bit JPEG variants, JPEG 2000, TIFF from a digitiser) draft and say how they were stored.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import {
  dicomRendition,
  dropFiles,
  plainJpegOf,
  pydicomFile,
  radiograph,
  renditionCodestream,
  cxrImages,
  serveTinyModel,
  waitForReport,
  watchErrors,
} from './pageHelpers';

test.use({ serviceWorkers: 'block' });

/** A paste event carrying one image file, dispatched where the person's focus is (the body when nothing has it).
 *  Returns whether the page took it (called preventDefault, which the page does only for a paste it drafts). */
async function pasteImage(page: Page, file: { name: string; mimeType: string; buffer: Buffer }, selector?: string): Promise<boolean> {
  return page.evaluate(
    ({ b64, name, type, selector }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type }));
      const target = selector ? document.querySelector(selector)! : document.body;
      return !target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    { b64: file.buffer.toString('base64'), name: file.name, type: file.mimeType, selector },
  );
}

test('a pasted image is drafted; a paste into the report editor does not replace the study', async ({ page, context }) => {
  await serveTinyModel(context);
  const errors = watchErrors(page);
  await page.goto('/?device=wasm');
  await expect(page.getByText('or paste a copied image')).toBeVisible();
  expect(await pasteImage(page, { ...radiograph('jsrt/JPCLN001.png'), name: 'image.png' })).toBe(true); // what a copied image is called
  await waitForReport(page);
  await expect(page.getByTestId('image-view')).toContainText('image.png');

  await page.getByRole('button', { name: 'Edit text' }).click();
  await page.getByTestId('findings-text').focus();
  expect(await pasteImage(page, { ...radiograph('kermany/IM-0115-0001.jpeg'), name: 'other.jpeg' }, '[data-testid="findings-text"]')).toBe(false);
  await expect(page.getByTestId('findings-text')).toBeVisible();
  await expect(page.getByTestId('image-view')).toContainText('image.png');
  await expect(page.getByTestId('image-view')).not.toContainText('other.jpeg');
  expect(errors).toEqual([]);
});

test('a study folder chosen in the file dialog drafts its image; a folder with none says so', async ({ page, context }) => {
  await serveTinyModel(context);
  const errors = watchErrors(page);
  const cd = path.join(mkdtempSync(path.join(tmpdir(), 'serpent-cd-')), 'STUDY_2026');
  const series = path.join(cd, 'IMAGES', 'SE000001');
  mkdirSync(series, { recursive: true });
  mkdirSync(path.join(cd, 'VIEWER'));
  const dicom = dicomRendition('explicit_le_12').buffer;
  writeFileSync(path.join(cd, 'DICOMDIR'), dicom); // "DICM" too, but the CD's index: left out by name
  writeFileSync(path.join(series, 'IM000001'), dicom);
  writeFileSync(path.join(series, 'PS000001'), pydicomFile('rtplan.dcm').buffer); // DICOM with no pixel data, like a presentation state
  writeFileSync(path.join(cd, 'VIEWER', 'viewer.exe'), Buffer.from('MZ\x90\x00 a viewer program'));
  writeFileSync(path.join(cd, 'README.TXT'), 'Burned by the PACS.\n');
  await page.goto('/?device=wasm');
  await page.getByTestId('folder-input').setInputFiles(cd);
  await waitForReport(page);
  await expect(page.getByTestId('image-view')).toHaveCount(1); // DICOMDIR, the object with no pixels, the program and the text are not images
  await expect(page.getByTestId('image-view')).toContainText('IM000001');

  const empty = path.join(mkdtempSync(path.join(tmpdir(), 'serpent-cd-')), 'Downloads');
  mkdirSync(empty);
  writeFileSync(path.join(empty, 'notes.txt'), 'nothing to see');
  await page.goto('/?device=wasm');
  await page.getByTestId('folder-input').setInputFiles(empty);
  await expect(page.getByTestId('input-error')).toContainText('The folder Downloads holds no PNG, JPEG, JPEG 2000, TIFF or DICOM image (1 other file)');
  expect(errors).toEqual([]);
});

/** JPCLN001 as a film digitiser saves it (Pillow with libtiff): 12-bit values in 16-bit LZW with the predictor, or
 *  JPEG-compressed, which Serpent does not read. */
function digitisedTiff(compression: 'tiff_lzw' | 'jpeg', name: string): { name: string; mimeType: string; buffer: Buffer } {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'serpent-tiff-')), name);
  const script = [
    'import sys, numpy as np',
    'from PIL import Image',
    'a = np.asarray(Image.open(sys.argv[1]).convert("L"))',
    'im = Image.fromarray(a.astype(np.uint16) * 16) if sys.argv[3] == "tiff_lzw" else Image.fromarray(a)',
    'im.save(sys.argv[2], compression=sys.argv[3], **({"tiffinfo": {317: 2}} if sys.argv[3] == "tiff_lzw" else {}))',
  ].join('\n');
  execFileSync('/usr/bin/python3', ['-c', script, path.join(cxrImages, 'jsrt/JPCLN001.png'), out, compression]);
  return { name, mimeType: 'image/tiff', buffer: readFileSync(out) };
}

test('a digitised film saved as TIFF drafts, and the viewer says how it was stored; a JPEG-compressed TIFF says how to save it', async ({ page, context }) => {
  await serveTinyModel(context);
  const errors = watchErrors(page);
  await page.goto('/?device=wasm');
  await dropFiles(page, [digitisedTiff('tiff_lzw', 'film.tif')]);
  await waitForReport(page);
  const view = page.getByTestId('image-view');
  await expect(view).toContainText('film.tif');
  await expect(view).toContainText('TIFF 224×224 · 16-bit TIFF, LZW, values within 12 bits');
  await dropFiles(page, [digitisedTiff('jpeg', 'scan.tif')]);
  await expect(page.getByTestId('input-error')).toContainText(
    'scan.tif: This TIFF is JPEG-compressed, which is not supported. Save it again as an uncompressed, LZW or Deflate TIFF, or as PNG',
  );
  expect(errors).toEqual([]);
});

test('a 12-bit film exported without its DICOM (lossless JPEG, JPEG-LS, lossy JPEG, JPEG 2000, HTJ2K) drafts, and the viewer says how it was stored', async ({
  page,
  context,
}) => {
  await serveTinyModel(context);
  const errors = watchErrors(page);
  await page.goto('/?device=wasm');
  const view = page.getByTestId('image-view');
  for (const [rendition, file, stored] of [
    ['jpeg_lossless_sv1_12', 'film.jpg', '16-bit lossless JPEG, values within 12 bits'],
    ['jpegls_lossless_12', 'film.jls', '16-bit JPEG-LS, values within 12 bits'],
    ['jpeg_extended_12', 'film-lossy.jpg', '12-bit JPEG'],
  ]) {
    await dropFiles(page, [plainJpegOf(rendition, file)]);
    await waitForReport(page);
    await expect(view).toContainText(file);
    await expect(view).toContainText(`JPEG 224×224 · ${stored}`);
  }
  for (const [file, stored] of [
    ['j2k_lossless_12.j2k', 'JPEG 2000 224×224 · 12-bit JPEG 2000'],
    ['htj2k_lossless_12.j2c', 'JPEG 2000 224×224 · 12-bit HTJ2K'],
  ]) {
    await dropFiles(page, [renditionCodestream(file)]);
    await waitForReport(page);
    await expect(view).toContainText(file);
    await expect(view).toContainText(stored);
  }
  // A cut-short one is a damaged JPEG file: said in the page, and no draft for it.
  const whole = plainJpegOf('jpeg_extended_12', 'cut.jpg');
  await dropFiles(page, [{ ...whole, buffer: whole.buffer.subarray(0, whole.buffer.length >> 1) }]);
  await expect(page.getByText(/The JPEG file looks damaged \(its 12-bit JPEG codestream ends before its last block/)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Report' }).getByTestId('report-word')).toHaveCount(0);
  expect(errors).toEqual([]);
});
