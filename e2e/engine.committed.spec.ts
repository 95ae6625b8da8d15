// The committed model gives the same candidates in Node (onnxruntime-web WASM, as the eval and report CLIs can run
// it) and in the page on WASM, sampled alternatives included (same code, same seed); the page on WebGPU (SwiftShader
// here: correctness only) gives greedy/beam candidates that assert the same findings — its wording may part from
// WASM's where two words tie within float rounding (serpent-cxr 1.2.0 on JPCLN005: "no focal consolidation, …
// identified" against "no focal airspace consolidation, …"), and its samples where a draw falls on a boundary
// between two tokens — on three real radiographs;
// its subtype gate keeps a pneumonia type the image probe does not back out of the draft, says so in the panel, and
// lets the model name one when a person turns it off; its side gate keeps a nodule's guessed side out of the draft, says
// why in the panel, and lets the side back when a person turns it off; the nodule's sentence shows the lesion map;
// its out-of-distribution detector flags a document (a page the browser renders with real fonts, so nothing
// like the synthetic pages it was trained on) but not a real radiograph, nor one padded with black to a square, and half a chest padded out
// to a whole film (scored inside its blank border); a film lying on its side gets the turn that sets it right, and
// drafts as the upright film once turned; a mirrored film is drafted with a note and the flip, and drafts as the film
// the right way round once flipped; and a nodule the votes left out of a draft
// is listed for a second look.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { createNodeEngine } from '../src/engine/node/nodeEngine';
import { assertedFindings } from '../src/text/metrics/clinical';
import { cxrImages, radiograph, referralLetter, screenshot, waitForReport } from './pageHelpers';

const IMAGES = ['covid_qu/COVID-1.jpg', 'kermany/IM-0115-0001.jpeg', 'jsrt/JPCLN005.png'];

test.use({ serviceWorkers: 'block' });
test.setTimeout(600_000);

interface Candidates {
  all: string[][];
  searched: string[][]; // the candidates kept by the search, not sampled
}

async function nodeCandidates(): Promise<Candidates> {
  const engine = await createNodeEngine({ backends: ['wasm'] });
  await engine.load({ modelUrl: defaultModelDir(), device: 'wasm' });
  const out: Candidates = { all: [], searched: [] };
  for (const rel of IMAGES) {
    const bytes = readFileSync(path.join(cxrImages, rel));
    const res = await engine.generateFiles([{ name: rel, bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }]);
    out.all.push(res.candidates.map((c) => c.text));
    out.searched.push(res.candidates.filter((c) => !c.sampled).map((c) => c.text));
  }
  await engine.dispose();
  return out;
}

async function pageCandidates(page: Page, device: 'wasm' | 'webgpu'): Promise<Candidates> {
  await page.goto(`/?device=${device}`);
  const out: Candidates = { all: [], searched: [] };
  const candidates = page.locator('.candidates tbody td.candidate-text');
  const searched = page.locator('.candidates tbody tr:not(:has(.sampled-mark)) td.candidate-text');
  for (const rel of IMAGES) {
    const previous = out.all.at(-1) ?? [];
    await page.getByTestId('file-input').setInputFiles(radiograph(rel));
    await waitForReport(page, device === 'webgpu' ? 300_000 : 90_000); // WebGPU here is SwiftShader: a GPU emulated on the CPU
    // the three images have different drafts: wait until this image's candidates have replaced the last ones
    await expect
      .poll(
        async () => {
          const now = await candidates.allInnerTexts();
          return now.length > 0 && JSON.stringify(now) !== JSON.stringify(previous);
        },
        { timeout: 300_000 },
      )
      .toBe(true);
    await expect(page.getByTestId('backend')).toContainText(`Backend: ${device.toUpperCase()}`);
    // WebGPU steps through the committed decoder_static, replayed from a captured graph; WASM through the merged decoder
    await expect(page.getByTestId('decoder-steps')).toHaveText(device === 'webgpu' ? /^replayed from a recorded graph/ : /^one kernel at a time/);
    out.all.push(await candidates.allInnerTexts());
    out.searched.push(await searched.allInnerTexts());
  }
  return out;
}

test('Node WASM, page WASM and page WebGPU give the same candidates for the committed model', async ({ page }) => {
  const inNode = await nodeCandidates();
  expect(inNode.all.every((c) => c.length > 0 && c[0].split(' ').length > 8)).toBe(true);
  expect(inNode.searched.every((c) => c.length > 0)).toBe(true);
  expect(await pageCandidates(page, 'wasm')).toEqual(inNode);
  const findingsOf = (c: Candidates) => c.searched.map((texts) => texts.map((t) => assertedFindings(t)));
  const onGpu = await pageCandidates(page, 'webgpu');
  expect(findingsOf(onGpu)).toEqual(findingsOf(inNode));
  // most of the wording agrees too: a broken kernel would change every candidate, a near-tie changes one or two
  const [gpuTexts, nodeTexts] = [onGpu.searched.flat(), inNode.searched.flat()];
  expect(gpuTexts.filter((t, i) => t === nodeTexts[i]).length).toBeGreaterThanOrEqual(nodeTexts.length - 2);
});

test('the committed model withholds the draft of a document, with a warning, and not that of a radiograph', async ({ page, context }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(await referralLetter(context));
  await waitForReport(page);
  await expect(page.getByTestId('ood-warning')).toContainText('referral-letter.png) does not look like a frontal chest radiograph');
  await expect(page.getByTestId('unreliable-badge')).toBeVisible();
  // the draft is withheld (no words, nothing to copy) until asked for
  await expect(page.getByTestId('withheld-draft')).toBeVisible();
  await expect(page.getByTestId('report-word')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Copy report' })).toHaveCount(0);
  await screenshot(page, '11-document-warning');
  await page.getByTestId('show-withheld-draft').click();
  await expect(page.getByTestId('report-word').first()).toBeVisible();
  await expect(page.getByTestId('ood-warning')).toBeVisible();

  // a radiograph, and one padded with black to a square (37 % of it blank border; the film inside is a whole chest)
  for (const rel of ['jsrt/JPCLN005.png', 'covid_qu/Normal-9152.jpg']) {
    await page.goto('/?device=wasm');
    await page.getByTestId('file-input').setInputFiles(radiograph(rel));
    await waitForReport(page);
    await expect(page.getByTestId('ood-warning')).toHaveCount(0);
    await expect(page.getByTestId('unreliable-badge')).toHaveCount(0);
  }
});

test('the committed model withholds the draft of a film with half of it blank (the film inside the border is half a chest), and notes a lower third blank', async ({
  page,
}) => {
  const film = PNG.sync.read(radiograph('jsrt/JPCLN005.png').buffer);
  for (let y = 0; y < film.height; y++) film.data.fill(0, (y * film.width + film.width / 2) * 4, (y + 1) * film.width * 4);
  for (let i = 3; i < film.data.length; i += 4) film.data[i] = 255; // opaque
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles({ name: 'half.png', mimeType: 'image/png', buffer: PNG.sync.write(film) });
  await waitForReport(page);
  await expect(page.getByTestId('ood-warning')).toContainText(
    /half\.png\) is 50 % blank \(one flat grey value, along its right edge\).*part of the chest may be cut off or missing/,
  );
  await expect(page.getByTestId('withheld-draft')).toBeVisible();
  await expect(page.getByTestId('report-word')).toHaveCount(0);

  // its lower third blank instead: the detector passes the upper two thirds, so the draft is shown, with a note
  const short = PNG.sync.read(radiograph('jsrt/JPCLN005.png').buffer);
  short.data.fill(0, Math.ceil((short.height * 2) / 3) * short.width * 4);
  for (let i = 3; i < short.data.length; i += 4) short.data[i] = 255;
  await page.getByTestId('file-input').setInputFiles({ name: 'short.png', mimeType: 'image/png', buffer: PNG.sync.write(short) });
  await expect(page.getByTestId('ood-warning')).toContainText(/short\.png\) is blank along its bottom edge for 33 % of its height.*cut-off lung base/, {
    timeout: 90_000,
  });
  await waitForReport(page);
  await expect(page.getByTestId('report-word').first()).toBeVisible();
  await expect(page.getByTestId('withheld-draft')).toHaveCount(0);
});

test('a film lying on its side is withheld with the fix the detector found; one press turns it and drafts it as the upright film', async ({ page }) => {
  const upright = PNG.sync.read(radiograph('jsrt/JPCLN005.png').buffer);
  const { width: W, height: H } = upright;
  const side = new PNG({ width: H, height: W }); // turned a quarter turn anticlockwise: the top-right goes to the top-left
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) upright.data.copy(side.data, ((W - 1 - x) * H + y) * 4, (y * W + x) * 4, (y * W + x) * 4 + 4);
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN005.png'));
  await waitForReport(page);
  const uprightDraft = await page.getByTestId('report-word').allTextContents();
  await page.getByTestId('file-input').setInputFiles({ name: 'side.png', mimeType: 'image/png', buffer: PNG.sync.write(side) });
  await expect(page.getByTestId('withheld-draft')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('ood-warning')).toContainText(
    'side.png) looks like a frontal chest radiograph lying on its side: turn it a quarter turn clockwise',
  );
  await expect(page.getByTestId('withheld-draft')).toContainText('It looks like one handled wrongly: set it right here, or open the film the right way up.');
  await page.getByRole('button', { name: 'Turn it a quarter turn clockwise and draft again' }).click();
  await expect(page.getByTestId('fix-note')).toHaveText('on this page: turned a quarter turn clockwise (the file is unchanged)');
  await waitForReport(page);
  await expect(page.getByTestId('ood-warning')).toHaveCount(0);
  expect(await page.getByTestId('report-word').allTextContents()).toEqual(uprightDraft);
});

test('a mirrored film is drafted with a note that names the flip; one press flips it and drafts it as the film the right way round', async ({ page }) => {
  const film = PNG.sync.read(radiograph('jsrt/JPCLN005.png').buffer);
  const { width: W, height: H } = film;
  const mirrored = new PNG({ width: W, height: H });
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) film.data.copy(mirrored.data, (y * W + W - 1 - x) * 4, (y * W + x) * 4, (y * W + x) * 4 + 4);
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN005.png'));
  await waitForReport(page);
  await expect(page.getByTestId('ood-warning')).toHaveCount(0);
  const rightDraft = await page.getByTestId('report-word').allTextContents();
  await page.getByTestId('file-input').setInputFiles({ name: 'mirrored.png', mimeType: 'image/png', buffer: PNG.sync.write(mirrored) });
  await expect(page.getByTestId('ood-warning')).toContainText(/mirrored\.png\) looks mirrored: the heart and the aortic arch are on the image's left/, {
    timeout: 90_000,
  });
  await waitForReport(page);
  // a note, not a refusal: the draft is shown, marked unreliable, with the flip under the note
  await expect(page.getByTestId('withheld-draft')).toHaveCount(0);
  await expect(page.getByTestId('report-word').first()).toBeVisible();
  await expect(page.getByTestId('unreliable-badge')).toBeVisible();
  await page.getByTestId('ood-warning').getByRole('button', { name: 'Flip it left to right and draft again' }).click();
  await expect(page.getByTestId('fix-note')).toHaveText('on this page: flipped left to right (the file is unchanged)');
  await waitForReport(page);
  await expect(page.getByTestId('ood-warning')).toHaveCount(0);
  expect(await page.getByTestId('report-word').allTextContents()).toEqual(rightDraft);
});

test('the pneumonia-type gate: the panel says what the image reader read, and turning it off lets the model name a type', async ({ page }) => {
  await page.goto('/?device=wasm');
  // A viral pneumonia film (val) the image reader is unsure of (P(bacterial) ≈ 0.35): ungated, the model names a type.
  await page.getByTestId('file-input').setInputFiles(radiograph('kermany/person1021_virus_1711.jpeg'));
  await waitForReport(page);
  const panel = page.getByRole('region', { name: 'Self-refinement' });
  await expect(panel.getByTestId('subtype-reading')).toContainText(
    /Pneumonia type: the image reader \(a second network that reads the film\) is unsure \(P\(bacterial\) 0\.\d\d/,
  );
  const subtypeWord = /\b(bacteri|viral|virus)/i;
  const named = async () => (await panel.locator('tbody tr').allTextContents()).filter((t) => subtypeWord.test(t)).length;
  expect(await named()).toBe(0);
  await expect(page.getByTestId('report')).not.toContainText(subtypeWord);
  await panel.getByTestId('subtype-reading').scrollIntoViewIfNeeded();
  await screenshot(page, '08-subtype-gate');
  const gate = panel.getByTestId('subtype-gate-input');
  await expect(gate).toBeChecked();
  await gate.uncheck();
  await panel.getByRole('button', { name: 'Re-run' }).click();
  await waitForReport(page);
  await expect(panel.getByTestId('subtype-reading')).toHaveCount(0);
  expect(await named()).toBeGreaterThan(0);
});

test('naming the pneumonia type: where the image reader is sure and the draft wrote none, the draft names it and says so; off, it does not', async ({
  page,
}) => {
  await page.goto('/?device=wasm');
  // A bacterial pneumonia film (val) the image reader reads as bacterial (P ≈ 0.96), whose draft calls it pneumonia with no type.
  await page.getByTestId('file-input').setInputFiles(radiograph('kermany/person1262_bacteria_3220.jpeg'));
  await waitForReport(page);
  const panel = page.getByRole('region', { name: 'Self-refinement' });
  const report = page.getByTestId('report');
  await expect(report).toContainText(/\bbacterial pneumonia\b/);
  await expect(panel.getByTestId('subtype-reading')).toContainText(/reads bacterial .* a word the image reader put in where the language model wrote no type/);
  // The probe's words stand out in the draft (italic), say so to a screen reader, and the key explains them.
  const probeWords = page.getByTestId('report-word').and(page.locator('.by-probe'));
  await expect(probeWords.first()).toHaveText('bacterial');
  await expect(probeWords.first()).toHaveAttribute('aria-label', /named by the image probe, not the language model/);
  await expect(page.getByTestId('grounding-key')).toContainText('named by the image probe');
  const name = panel.getByTestId('subtype-name-input');
  await expect(name).toBeChecked();
  await name.uncheck();
  await panel.getByRole('button', { name: 'Re-run' }).click();
  await waitForReport(page);
  await expect(report).toContainText(/\bpneumonia\b/);
  await expect(report).not.toContainText(/\b(bacteri|viral|virus)/i);
  await expect(probeWords).toHaveCount(0);
  await expect(panel.getByTestId('subtype-reading')).toContainText(/so the draft may call it bacterial/);
  // Naming works through the gate: with the gate off it cannot be turned on.
  await panel.getByTestId('subtype-gate-input').uncheck();
  await expect(name).toBeDisabled();
});

test('the side gate: a nodule draft names no side, the panel says why, and turning it off brings the guessed side back', async ({ page }) => {
  await page.goto('/?device=wasm');
  // A val film with a right upper lobe nodule whose drafts say "left lung" when nothing stops them.
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN011.png'));
  await waitForReport(page);
  const panel = page.getByRole('region', { name: 'Self-refinement' });
  const report = page.getByTestId('report');
  await expect(report).toContainText(/nodule/);
  await expect(report).not.toContainText(/\b(left|right)\b/);
  await expect(panel.getByTestId('side-gate-note')).toContainText(/Side left out: .*\(nodule: right side in \d+ of \d+ val drafts that named one\)/);
  // The nodule's sentence shows the lesion map (a network trained on where annotated lesions were), and it places this
  // right upper lobe nodule in the right upper zone; the other sentences keep their words' maps.
  const markers = page.getByTestId('sentence-marker');
  const captions: string[] = [];
  for (let i = 0; i < (await markers.count()); i++) {
    await markers.nth(i).click();
    captions.push((await page.getByTestId('map-caption').textContent()) ?? '');
  }
  const lesionCaptions = captions.filter((c) => c.includes('where the lesion map places the finding'));
  expect(lesionCaptions.length).toBeGreaterThan(0);
  expect(lesionCaptions[0]).toMatch(/nodule/);
  expect(lesionCaptions[0]).toContain('Hottest: right upper zone.');
  expect(captions.some((c) => c.includes('where the whole sentence points'))).toBe(true);
  await panel.getByTestId('side-gate-note').scrollIntoViewIfNeeded();
  await screenshot(page, '12-side-gate');
  const gate = panel.getByTestId('side-gate-input');
  await expect(gate).toBeChecked();
  await gate.uncheck();
  await panel.getByRole('button', { name: 'Re-run' }).click();
  await waitForReport(page);
  await expect(panel.getByTestId('side-gate-note')).toHaveCount(0);
  await expect(report).toContainText(/\b(left|right) lung\b/);
});

test('findings the self-refinement left out are listed for a second look, with their evidence, the val rate and where a nodule might be', async ({ page }) => {
  await page.goto('/?device=wasm');
  // A JSRT nodule film (train split) whose draft is normal: the votes dropped the nodule that 2 of 5 draws named.
  await page.getByTestId('file-input').setInputFiles(radiograph('jsrt/JPCLN001.png'));
  await waitForReport(page);
  const report = page.getByTestId('report');
  await expect(report.getByTestId('grounded-findings')).not.toContainText(/nodule/);
  const second = page.getByTestId('second-look');
  const manifest = JSON.parse(readFileSync(path.join(defaultModelDir(), 'manifest.json'), 'utf8'));
  const rule = manifest.second_look;
  await expect(second.getByTestId('second-look-finding')).toHaveCount(1);
  await expect(second.getByTestId('second-look-finding')).toHaveAttribute('data-finding', 'nodule'); // not also "lung lesion"
  await expect(second).toContainText(/Nodule \(2 of 5 draws; the finding reader \d+ %\)/);
  await expect(second).toContainText(`With the default settings, on ${rule.films.toLocaleString('en-US')} val films`);
  await expect(second).toContainText(`were present ${Math.round(100 * rule.share_present)} % of the time`);
  // and how often this finding's own flags were right there
  const nodule = rule.by_finding.nodule;
  await expect(second.getByTestId('second-look-per-finding')).toContainText(
    `Nodule: present in ${nodule.present} of its ${nodule.flagged} flag${nodule.flagged === 1 ? '' : 's'}.`,
  );
  // The nodule is localised, so the page can show where the lesion map places it: in the patient's left upper zone,
  // where JSRT's annotation puts it (x 1634, y 692 of 2048: "l.upper lobe").
  const where = second.getByTestId('second-look-map');
  await expect(where).toHaveText('Show where the lesion map places Nodule');
  await where.click();
  await expect(where).toHaveAttribute('aria-pressed', 'true');
  const caption = page.getByTestId('map-caption');
  await expect(caption).toContainText('Left out of the draft: Nodule — where the lesion map places the finding');
  await expect(caption).toContainText('Hottest: left upper zone.');
  await second.scrollIntoViewIfNeeded();
  await screenshot(page, '13-second-look');
  await where.click();
  await expect(where).toHaveAttribute('aria-pressed', 'false');

  // A normal film whose candidates the draft does not overrule: nothing to flag.
  await page.getByTestId('file-input').setInputFiles(radiograph('kermany/IM-0115-0001.jpeg'));
  await waitForReport(page);
  await expect(page.getByTestId('second-look')).toHaveCount(0);
});

test('a sentence that rules out a finding the model was not shown to read is marked "not read", with the val measurement under the draft', async ({ page }) => {
  await page.goto('/?device=wasm');
  await page.getByTestId('file-input').setInputFiles(radiograph('kermany/IM-0115-0001.jpeg'));
  await waitForReport(page);
  const marks = page.getByTestId('not-read-mark');
  await expect(marks.first()).toBeVisible();
  await expect(marks.first()).toHaveAttribute('title', /which this model was not shown to read: check it on the film/);
  const note = page.getByTestId('unassessed-note');
  await expect(note).toContainText(/Not read by this model: .*Pleural Effusion \(\d+ of \d+\)/);
  await expect(note).toContainText('not from this film: check them on the film.');
  // a sentence about what it reads (consolidation) carries no mark
  const consolidation = page.locator('.sentence', { hasText: /consolidation/ });
  for (const s of await consolidation.all()) {
    const text = (await s.textContent()) ?? '';
    if (!/effusion|pneumothorax|heart/.test(text)) await expect(s.getByTestId('not-read-mark')).toHaveCount(0);
  }
  await screenshot(page, '18-not-read');
});
