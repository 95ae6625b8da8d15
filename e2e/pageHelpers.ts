// Shared by the page's browser tests: a seeded random tiny model exported once per run and served with
// context.route (never copied into the repo), real radiographs read from ../shared/data, a tiny explicit-VR
// little-endian DICOM writer, a referral letter rendered as a PNG (a file that is not a radiograph), axe-core's
// accessibility violations as lines, and screenshots under test-results/screenshots/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { pydicomTestFiles } from '../src/engine/testing/sharedData';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cxrImages = path.resolve(repoRoot, '../shared/data/cxr/images');
export const TINY_ID = 'random-tiny';

let tinyDir: string | null = null;

/** Export the random tiny model (seeded, deterministic) into a temp folder, once per worker process. */
export function tinyModelDir(): string {
  if (tinyDir && existsSync(path.join(tinyDir, 'manifest.json'))) return tinyDir;
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'serpent-page-')), TINY_ID);
  execFileSync('/usr/bin/python3', ['-m', 'training.export', '--random-tiny', dir], { cwd: repoRoot, stdio: 'pipe' });
  tinyDir = dir;
  return dir;
}

/** A second version of the tiny model (another seed, so other files and sha256s; version 0.0.1), exported once. */
export function tinyModelDirB(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'serpent-page-b-')), TINY_ID);
  execFileSync('/usr/bin/python3', ['-m', 'training.export', '--random-tiny', dir, '--seed', '1'], { cwd: repoRoot, stdio: 'pipe' });
  const manifestPath = path.join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(readFileSync(manifestPath, 'utf8')), version: '0.0.1' }, null, 1));
  return dir;
}

/**
 * Serve the tiny model as the installed one: models/index.json and models/random-tiny/** (page, worker and
 * service worker), from `folder()` at the time of each request (a test can switch versions).
 */
export async function serveTinyModel(context: BrowserContext, folder: () => string = tinyModelDir): Promise<void> {
  folder(); // exported before the page asks for it
  const index = JSON.stringify({ default: TINY_ID, models: [{ id: TINY_ID, path: `${TINY_ID}/` }] });
  await context.route(/\/models\/index\.json(\?.*)?$/, (route) => route.fulfill({ body: index, contentType: 'application/json' }));
  await context.route(new RegExp(`/models/${TINY_ID}/`), (route) => {
    const rel = decodeURIComponent(new URL(route.request().url()).pathname.split(`/models/${TINY_ID}/`)[1] ?? '');
    const file = path.join(folder(), rel);
    if (!rel || rel.includes('..') || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    return route.fulfill({ body: readFileSync(file), contentType: type });
  });
}

/** Drop files on the image panel the way a browser does: a drop event carrying a DataTransfer. */
export async function dropFiles(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, b64: f.buffer.toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const it of items) dt.items.add(new File([Uint8Array.from(atob(it.b64), (c) => c.charCodeAt(0))], it.name, { type: it.type }));
    return dt;
  }, payload);
  await page.dispatchEvent('[data-testid="drop-area"]', 'dragover', { dataTransfer });
  await page.dispatchEvent('[data-testid="drop-area"]', 'drop', { dataTransfer });
}

export function radiograph(rel: string): { name: string; mimeType: string; buffer: Buffer } {
  const buffer = readFileSync(path.join(cxrImages, rel));
  const name = path.basename(rel);
  return { name, mimeType: name.endsWith('.png') ? 'image/png' : 'image/jpeg', buffer };
}

/** Explicit VR little endian DICOM: 16-bit MONOCHROME2 pixels with a window and a ViewPosition. */
export function makeDicom(opts: {
  width: number;
  height: number;
  pixels: Uint16Array;
  viewPosition: string;
  window?: [number, number];
  imagerPixelSpacing?: string; // (0018,1164), e.g. '0.175\\0.175'
  magnification?: string; // (0018,1114)
  study?: { patientId?: string; studyUid?: string; studyDate?: string }; // (0010,0020), (0020,000D), (0008,0020)
}): Buffer {
  const parts: Buffer[] = [];
  const el = (group: number, elem: number, vr: string, value: Buffer): Buffer => {
    const padded = value.length % 2 ? Buffer.concat([value, Buffer.from(vr === 'UI' || vr === 'OB' ? [0] : [0x20])]) : value;
    const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
    const head = Buffer.alloc(long ? 12 : 8);
    head.writeUInt16LE(group, 0);
    head.writeUInt16LE(elem, 2);
    head.write(vr, 4, 'ascii');
    if (long) head.writeUInt32LE(padded.length, 8);
    else head.writeUInt16LE(padded.length, 6);
    return Buffer.concat([head, padded]);
  };
  const str = (s: string): Buffer => Buffer.from(s, 'ascii');
  const us = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n, 0);
    return b;
  };
  const ts = '1.2.840.10008.1.2.1';
  const metaBody = Buffer.concat([
    el(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    el(0x0002, 0x0002, 'UI', str('1.2.840.10008.5.1.4.1.1.1.1')),
    el(0x0002, 0x0003, 'UI', str('1.2.3.4.5.6.7')),
    el(0x0002, 0x0010, 'UI', str(ts)),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length, 0);
  parts.push(Buffer.alloc(128), str('DICM'), el(0x0002, 0x0000, 'UL', groupLength), metaBody);
  const [center, width] = opts.window ?? [2048, 4096];
  const study = opts.study ?? {};
  parts.push(
    ...(study.studyDate ? [el(0x0008, 0x0020, 'DA', str(study.studyDate))] : []),
    el(0x0008, 0x0060, 'CS', str('DX')),
    ...(study.patientId ? [el(0x0010, 0x0020, 'LO', str(study.patientId))] : []),
    el(0x0018, 0x0015, 'CS', str('CHEST')),
    ...(opts.magnification ? [el(0x0018, 0x1114, 'DS', str(opts.magnification))] : []),
    ...(opts.imagerPixelSpacing ? [el(0x0018, 0x1164, 'DS', str(opts.imagerPixelSpacing))] : []),
    el(0x0018, 0x5101, 'CS', str(opts.viewPosition)),
    ...(study.studyUid ? [el(0x0020, 0x000d, 'UI', str(study.studyUid))] : []),
    el(0x0028, 0x0002, 'US', us(1)),
    el(0x0028, 0x0004, 'CS', str('MONOCHROME2')),
    el(0x0028, 0x0010, 'US', us(opts.height)),
    el(0x0028, 0x0011, 'US', us(opts.width)),
    el(0x0028, 0x0100, 'US', us(16)),
    el(0x0028, 0x0101, 'US', us(12)),
    el(0x0028, 0x0102, 'US', us(11)),
    el(0x0028, 0x0103, 'US', us(0)),
    el(0x0028, 0x1050, 'DS', str(String(center))),
    el(0x0028, 0x1051, 'DS', str(String(width))),
    el(0x7fe0, 0x0010, 'OW', Buffer.from(opts.pixels.buffer, opts.pixels.byteOffset, opts.pixels.byteLength)),
  );
  return Buffer.concat(parts);
}

/** A 12-bit chest-like DICOM built from a real 8-bit radiograph's pixels (decoded in Node by the app's own decoder). */
export async function dicomFromRadiograph(rel: string, viewPosition = 'PA', study?: Parameters<typeof makeDicom>[0]['study']): Promise<Buffer> {
  const { decodeImage } = await import('../src/image');
  const img = decodeImage(new Uint8Array(readFileSync(path.join(cxrImages, rel))));
  const pixels = new Uint16Array(img.width * img.height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(img.data[i] * 4095);
  return makeDicom({ width: img.width, height: img.height, pixels, viewPosition, study });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = path.join(repoRoot, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** Collect console errors and page errors (the page must have none). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Every request must stay on 127.0.0.1. */
export function watchExternal(context: BrowserContext): string[] {
  const external: string[] = [];
  context.on('request', (r) => {
    const url = r.url();
    if (!/^(https?:\/\/127\.0\.0\.1:\d+\/|blob:|data:)/.test(url)) external.push(url);
  });
  return external;
}

/** The draft is on screen: report words rendered, no drafting in progress. */
/** The draft is done: its words are shown, or it was withheld because the image is out of distribution. */
export async function waitForReport(page: Page, timeout = 90_000): Promise<void> {
  await expect(page.getByTestId('report-word').first().or(page.getByTestId('withheld-draft'))).toBeVisible({ timeout });
  await expect(page.getByTestId('run-progress')).toHaveCount(0);
}

/** Controls in the accessibility tree without a name (ariaSnapshot writes named ones as `- role "name"`). */
export async function unnamedControls(page: Page): Promise<string[]> {
  const tree = await page.locator('body').ariaSnapshot();
  const control = /^\s*- (button|textbox|slider|combobox|spinbutton|checkbox|radio|link|tab)\b(?! ")/;
  return tree.split('\n').filter((line) => control.test(line));
}

/** Before the page's own scripts: remember every text the progress panels and the streaming draft showed. */
export async function recordProgressTexts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: Record<string, string[]> = { load: [], run: [], stream: [] };
    (window as unknown as { __seen: typeof seen }).__seen = seen;
    const grab = (): void => {
      const pick = (id: string, key: string): void => {
        const text = document.querySelector(`[data-testid="${id}"]`)?.textContent;
        if (text && seen[key][seen[key].length - 1] !== text) seen[key].push(text);
      };
      pick('load-progress', 'load');
      pick('run-progress', 'run');
      pick('streaming-draft', 'stream');
    };
    new MutationObserver(grab).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

export async function progressTexts(page: Page): Promise<Record<'load' | 'run' | 'stream', string[]>> {
  return page.evaluate(() => (window as unknown as { __seen: Record<'load' | 'run' | 'stream', string[]> }).__seen);
}

let renditionDir: string | null = null;

/** One JSRT radiograph as DICOM in every transfer syntax (e2e/fixtures/dicom_renditions.py: dcmtk, OpenJPEG, OpenJPH). */
export function dicomRendition(name: string): { name: string; mimeType: string; buffer: Buffer } {
  if (!renditionDir) {
    const dir = mkdtempSync(path.join(tmpdir(), 'serpent-dicom-'));
    execFileSync('/usr/bin/python3', [path.join(repoRoot, 'e2e/fixtures/dicom_renditions.py'), path.join(cxrImages, 'jsrt/JPCLN001.png'), dir], {
      stdio: 'pipe',
    });
    renditionDir = dir;
  }
  return { name: `${name}.dcm`, mimeType: 'application/dicom', buffer: readFileSync(path.join(renditionDir, `${name}.dcm`)) };
}

/** A rendition's JPEG codestream as a plain file, as a PACS exports a film without its DICOM wrapper: the bytes from
 *  the SOI after the pixel data tag to the last EOI (these renditions hold one frame in one fragment). */
export function plainJpegOf(rendition: string, name: string): { name: string; mimeType: string; buffer: Buffer } {
  const dicom = dicomRendition(rendition).buffer;
  const pixelData = dicom.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
  const start = dicom.indexOf(Buffer.from([0xff, 0xd8, 0xff]), pixelData);
  const end = dicom.lastIndexOf(Buffer.from([0xff, 0xd9])) + 2;
  if (pixelData < 0 || start < 0 || end <= start) throw new Error(`${rendition} holds no JPEG codestream`);
  return { name, mimeType: 'image/jpeg', buffer: dicom.subarray(start, end) };
}

/** A codestream file the renditions script writes beside its DICOM files (e.g. 'j2k_lossless_12.j2k'), as a plain file. */
export function renditionCodestream(file: string): { name: string; mimeType: string; buffer: Buffer } {
  dicomRendition('explicit_le_8'); // writes the folder once
  return { name: file, mimeType: '', buffer: readFileSync(path.join(renditionDir ?? '', file)) };
}

/** A file from Debian's python3-pydicom test data (real third-party DICOM). */
export function pydicomFile(name: string): { name: string; mimeType: string; buffer: Buffer } {
  return { name, mimeType: 'application/dicom', buffer: readFileSync(path.join(pydicomTestFiles(), name)) };
}

const REFERRAL_LETTER = `<body style="font: 15px/1.5 Georgia, serif; margin: 48px 64px; background: #fff; color: #111">
<p style="text-align: right">Department of Respiratory Medicine<br>27 November 2026</p>
<h2>Referral for chest radiograph</h2>
<p>Dear colleague,</p>
<p>Thank you for seeing this 64-year-old man with a three-week history of productive cough, low-grade fever and
right-sided pleuritic chest pain. He is an ex-smoker of 30 pack-years. Examination found dullness at the right base.</p>
<table border="1" cellpadding="4" style="border-collapse: collapse"><tr><th>Test</th><th>Result</th></tr>
<tr><td>CRP</td><td>86 mg/L</td></tr><tr><td>White cells</td><td>13.2 × 10⁹/L</td></tr><tr><td>SpO₂</td><td>94 % on air</td></tr></table>
<p>I would be grateful for a PA chest radiograph and your opinion on whether a CT is needed.</p>
<p>Yours sincerely,<br><br>Dr A. Example</p></body>`;

/** A referral letter as a PNG screenshot, as a person might drop by mistake: a page the browser renders with real
 *  fonts, so nothing like the synthetic pages the out-of-distribution detector was trained on. */
export async function referralLetter(context: BrowserContext): Promise<{ name: string; mimeType: string; buffer: Buffer }> {
  const letterPage = await context.newPage();
  await letterPage.setViewportSize({ width: 850, height: 1100 });
  await letterPage.setContent(REFERRAL_LETTER);
  const buffer = await letterPage.screenshot();
  await letterPage.close();
  return { name: 'referral-letter.png', mimeType: 'image/png', buffer };
}

/** Every axe violation in the page as one line each (rule, impact, the first elements), so a failure says what to fix. */
export async function axeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join('; ')}`,
  );
}
