// The committed model's out-of-distribution check, through the engine's own code path (decode → preprocess →
// vision encoder + detector → checkOod), on real test-split radiographs from ../shared/data and on what a person
// might drop instead: the same radiographs rotated, upside down, inverted, mirrored, cropped to a small patch or with
// part of the film blanked out, and flat, gradient and noise images; and the fix it offers a film turned, inverted or
// mirrored. The document case runs in the page (e2e/engine.committed.spec.ts).
// These are properties of the trained model: a retrained model must keep them.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_FIX, RADIOGRAPH_TRANSFORMS, OodProbe, detectorFlagged, syntheticNonImages } from './oodProbe';
import { decodeRecordImage } from './images';
import { readManifest } from './manifest';
import { CXR_DIR } from '../cli/paths';
import { ImageBlankError, preprocess, type GreyImage } from '../../src/image';
import { defaultModelDir } from '../../src/engine/node/defaultModelDir';
import { createNodeEngine, loadOrtNode } from '../../src/engine/node/nodeEngine';
import type { ProgressEvent } from '../../src/engine/types';

const PER_SOURCE = 10;

let probe: OodProbe;
beforeAll(async () => {
  probe = await OodProbe.open(defaultModelDir(), await loadOrtNode(), 'cpu');
});
afterAll(async () => probe.dispose());

/** The first PER_SOURCE test-split images of every source, decoded. */
async function testRadiographs(): Promise<{ id: string; image: GreyImage }[]> {
  const rows = readManifest(path.join(CXR_DIR, 'manifest.jsonl')).filter((r) => r.split === 'test');
  const picked = ['covid_qu', 'kermany', 'nih64', 'jsrt'].flatMap((source) => rows.filter((r) => r.source === source).slice(0, PER_SOURCE));
  return Promise.all(picked.map(async (r) => ({ id: r.id, image: await decodeRecordImage(CXR_DIR, r) })));
}

describe("the committed model's out-of-distribution check", () => {
  let radiographs: { id: string; image: GreyImage }[] = [];
  beforeAll(async () => {
    radiographs = await testRadiographs();
  });

  it('the model folder has a detector and a mirror check', () => {
    expect(probe.manifest.ood.detector?.path).toBe('onnx/ood_detector.onnx');
    expect(probe.manifest.mirror_check?.path).toBe('onnx/mirror_check.onnx');
  });

  it('passes real frontal radiographs from every source (at most 1 warning in 40)', async () => {
    const warned: string[] = [];
    for (const r of radiographs) {
      const checked = await probe.check(r.image);
      if (checked.warning) warned.push(r.id);
      expect(checked.fixes ?? [], r.id).toEqual([]); // nothing to set right on a film that is right
    }
    expect(radiographs).toHaveLength(4 * PER_SOURCE);
    expect(warned.length).toBeLessThanOrEqual(1);
  });

  // A missing lower third leaves the lungs' upper two thirds, which this detector mostly passes (33 % of the test
  // split warned, docs/RESULTS.md): the floor keeps what it catches.
  const atLeast = (name: string) => (name === 'lower_third_blanked' ? 8 : 36);
  const { mirrored, ...withheld } = RADIOGRAPH_TRANSFORMS;
  it.each(Object.entries(withheld))('radiographs transformed: %s: warned about, and offered a fix only where one undoes it', async (name, transform) => {
    let warned = 0;
    let rightFix = 0;
    let anyFix = 0;
    for (const r of radiographs) {
      const checked = await probe.check(transform(r.image));
      if (detectorFlagged(checked)) warned++;
      if (checked.fixes?.length) anyFix++;
      if (checked.fixes?.some((f) => f.fix === EXPECTED_FIX[name])) rightFix++;
    }
    expect(warned).toBeGreaterThanOrEqual(atLeast(name));
    // on val, 98.7–99.6 % of films turned or inverted got the right fix, and 0.1 % of the others any fix
    if (EXPECTED_FIX[name]) expect(rightFix).toBeGreaterThanOrEqual(36);
    else expect(anyFix).toBeLessThanOrEqual(2);
  });

  // A mirrored film is still a chest radiograph: the detector passes it, and the mirror check offers the flip (on the
  // test split, 98.2 % of mirrored films, and 0.7 % of films as they are; docs/RESULTS.md).
  it('radiographs mirrored: passed by the detector, noted and offered the flip, saying why', async () => {
    let flipped = 0;
    let withheld = 0;
    for (const r of radiographs) {
      const checked = await probe.check(mirrored(r.image), 'film.png');
      if (detectorFlagged(checked)) withheld++; // as for the films as they are: at most 1 in 40
      if (checked.fixes?.some((f) => f.fix === 'flip')) {
        flipped++;
        expect(checked.warning).toMatch(/film\.png\) looks mirrored: the heart .* flip it left to right and draft again\. If the patient has dextrocardia/);
      }
    }
    expect(withheld).toBeLessThanOrEqual(1);
    expect(flipped).toBeGreaterThanOrEqual(36);
  });

  it('refuses a flat image as blank, and warns about gradient and noise images, saying what to do', async () => {
    const { flat, ...others } = syntheticNonImages();
    await expect(probe.check(flat, 'flat.png')).rejects.toBeInstanceOf(ImageBlankError);
    for (const [name, img] of Object.entries(others)) {
      const r = await probe.check(img, `${name}.png`);
      expect(detectorFlagged(r), name).toBe(true);
      expect(r.warning, name).toMatch(new RegExp(`${name}\\.png\\) does not look like a frontal chest radiograph.*use a frontal \\(PA or AP\\) chest X-ray`));
    }
  });

  it('generate says at the decode stage that the draft will be withheld, before any token streams', async () => {
    const engine = await createNodeEngine();
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu' });
    const { image_size: size } = probe.manifest.preprocessing;
    const stagesFor = async (data: Float32Array): Promise<ProgressEvent[]> => {
      const stages: ProgressEvent[] = [];
      await engine.generate([{ data, size }], { beam: 1 }, { onStage: (e) => stages.push(e) });
      return stages;
    };
    const flat = await stagesFor(new Float32Array(size * size)); // a flat mid-grey image (normalised 0)
    expect(flat.find((e) => e.stage === 'decode')).toEqual({ stage: 'decode', notFrontalChest: true });
    const { pixel_mean: mean, pixel_std: std } = probe.manifest.preprocessing;
    const real = await stagesFor(preprocess(radiographs[0].image, { size, mean, std }).pixels);
    expect(real.find((e) => e.stage === 'decode')).toEqual({ stage: 'decode' });
    await engine.dispose();
  });
});
