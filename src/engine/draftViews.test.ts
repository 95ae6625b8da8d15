// Which views a draft is made from: laterals (by tag or by the person's choice) and views the detector flags
// are left out, so a frontal's draft is the same with or without them beside it. The pure rules, then the
// committed model through generateFiles on a real JSRT radiograph.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CXR_IMAGES, pydicomTestFiles } from './testing/sharedData';
import { decodeImage, decodeImageAsync } from '../image';
import { draftOneFrontal, draftViewIndices, draftViewsNote, frontalCandidates, studyMismatch, trainedOnLaterals } from './draftViews';
import type { InThreadEngine } from './engine';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import type { ImageFile, OodResult, ReportResult, ViewFix } from './types';

const JSRT = path.join(CXR_IMAGES, 'jsrt');

describe('draft views', () => {
  it('drafts one frontal view: laterals only when the manifest says the model was trained on them', () => {
    expect(draftViewIndices(['frontal', 'lateral'], 0, false)).toEqual([0]);
    expect(draftViewIndices(['lateral', 'frontal'], 1, false)).toEqual([1]);
    expect(draftViewIndices(['frontal', 'frontal'], 1, false)).toEqual([1]);
    expect(draftViewIndices(['frontal', 'lateral'], 0, true)).toEqual([0, 1]);
    expect(draftViewIndices(['lateral', 'lateral'], 0, false)).toEqual([0, 1]); // drafted, then withheld by the page with its reason
    expect(trainedOnLaterals({ training: { views: ['frontal', 'lateral'] } })).toBe(true);
    expect(trainedOnLaterals({ training: {} })).toBe(false);
  });

  it('tries frontal views first, then views of unknown kind, each in the order given', () => {
    expect(frontalCandidates(['unknown', 'frontal'])).toEqual([1, 0]);
    expect(frontalCandidates(['frontal', 'unknown', 'frontal'])).toEqual([0, 2, 1]);
    expect(frontalCandidates(['lateral', 'unknown'])).toEqual([1]);
    expect(frontalCandidates(['lateral', 'lateral'])).toEqual([0]);
    expect(frontalCandidates([])).toEqual([]);
  });

  it("drafts the first frontal view the detector passes, and keeps every try's fixes", async () => {
    const ood = (logit: number, fix?: ViewFix['fix']): OodResult => ({
      score: 0,
      threshold: 1,
      detector: { logits: [logit], threshold: 0 },
      warning: null,
      ...(fix ? { fixes: [{ view: 0, fix, logit: 1 }] } : {}),
    });
    const fake = (text: string, o: OodResult): ReportResult => ({ report: { findings: text, impression: '', text }, ood: o }) as unknown as ReportResult;
    const drafts: Record<number, ReportResult> = { 0: fake('turned', ood(2, 'turn_right')), 1: fake('upright', ood(-2)) };
    const asked: number[][] = [];
    const draft = async (used: number[]): Promise<ReportResult> => {
      asked.push(used);
      return drafts[used[0]];
    };
    const both = await draftOneFrontal(['frontal', 'frontal'], false, draft);
    expect(asked).toEqual([[0], [1]]);
    expect(both.result.report.text).toBe('upright');
    expect(both.used).toEqual([1]);
    expect(both.flagged).toEqual([0]);
    expect(both.fixes).toEqual([{ view: 0, fix: 'turn_right', logit: 1 }]);
    const passed = await draftOneFrontal(['frontal', 'frontal'], false, async (used) => drafts[used[0] === 0 ? 1 : 0]);
    expect(passed.used).toEqual([0]);
    expect(passed.flagged).toEqual([]);
    const allFlagged = await draftOneFrontal(['frontal', 'unknown'], false, async (used) => fake(`flagged ${used}`, ood(2)));
    expect(allFlagged.result.report.text).toBe('flagged 0');
    expect(allFlagged.flagged).toEqual([0, 1]);
    await expect(draftOneFrontal([], false, draft)).rejects.toThrow(RangeError);
  });

  it('says when two films are of different patients, or of one patient in two studies', () => {
    const view = (name: string, patientId?: string, studyUid?: string, studyDate?: string) => ({ name, study: { patientId, studyUid, studyDate } });
    const others = studyMismatch([view('a.dcm', 'P1', '1.1', '20190301'), view('b.dcm', 'P2', '1.2', '20210715')], [0]);
    expect(others?.patients).toBe(true);
    expect(others?.message).toMatch(/^Image 1 \(a\.dcm\) and image 2 \(b\.dcm\) are from different patients .* the draft is of image 1 \(a\.dcm\) alone/);
    const prior = studyMismatch([view('a.dcm', 'P1', '1.1', '20190301'), view('b.dcm', 'P1', '1.2', '20210715')], [1]);
    expect(prior).toEqual({
      patients: false,
      message:
        'Image 1 (a.dcm) and image 2 (b.dcm) are from different studies (study dates 2019-03-01 and 2021-07-15): the draft is of image 2 (b.dcm) alone, and it describes that film, not a comparison.',
    });
    expect(studyMismatch([view('a', undefined, '1.1'), view('b', undefined, '1.2')], [0])?.message).toMatch(/different studies: the draft/);
    expect(studyMismatch([view('a', 'P1', '1.1'), view('b', 'P1', '1.1')], [0])).toBeNull(); // one study
    expect(studyMismatch([view('a', 'P1'), { name: 'b.png' }], [0])).toBeNull(); // a file that does not say
    expect(studyMismatch([view('a', 'P1', '1.1')], [0])).toBeNull();
  });

  it('tells the real files of pydicom apart by patient and by study', async () => {
    const meta = async (file: string) => ({
      name: file,
      study: (await decodeImageAsync(new Uint8Array(readFileSync(path.join(pydicomTestFiles(), file))))).meta?.study,
    });
    const [ct, mr, mrRle, jpeg, j2k] = await Promise.all(['CT_small.dcm', 'MR_small.dcm', 'MR_small_RLE.dcm', 'JPEG-lossy.dcm', 'JPEG2000.dcm'].map(meta));
    expect(studyMismatch([ct, mr], [0])?.patients).toBe(true); // 1CT1 and 4MR1
    expect(studyMismatch([mr, mrRle], [0])).toBeNull(); // one file in two transfer syntaxes
    expect(studyMismatch([jpeg, j2k], [0])).toBeNull();
  });

  it('says how the views were used', () => {
    const views = [
      { name: 'pa.dcm', view: 'frontal' as const },
      { name: 'lat.dcm', view: 'lateral' as const },
    ];
    expect(draftViewsNote(views, [0])).toMatch(
      /made from the frontal view only: image 1 \(pa\.dcm\)\. The lateral image 2 \(lat\.dcm\) is shown for reference/,
    );
    expect(draftViewsNote(views, [0, 1])).toBeNull();
    expect(draftViewsNote([views[1]], [0])).toMatch(/only a lateral view/);
  });
});

describe('the committed model: a frontal draft is the same with or without another view beside it', () => {
  let engine: InThreadEngine;
  const frontal = (): ImageFile => {
    const b = readFileSync(path.join(JSRT, 'JPCLN001.png'));
    return { name: 'JPCLN001.png', bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
  };
  /** Another JSRT film turned 90°: what a person might drop as the second view (the detector flags it). */
  const rotated = (): ImageFile => {
    const img = decodeImage(readFileSync(path.join(JSRT, 'JPCLN002.png')));
    const { width: w, height: h } = img;
    const out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + (h - 1 - y)] = Math.round(img.data[y * w + x] * 255);
    const png = encodePng({ width: h, height: w, data: out, channels: 1, depth: 8 });
    return { name: 'turned.png', bytes: png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer };
  };

  beforeAll(async () => {
    engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu' });
  });
  afterAll(async () => engine.dispose());

  it('a lateral (the person said so) is left out of the draft and the note says so', async () => {
    const alone = await engine.generateFiles([frontal()]);
    const withLateral = await engine.generateFiles([frontal(), { ...rotated(), view: 'lateral' }]);
    expect(withLateral.report).toEqual(alone.report);
    expect(withLateral.candidates.map((c) => c.tokenIds)).toEqual(alone.candidates.map((c) => c.tokenIds));
    expect(withLateral.draftViews).toEqual([0]);
    expect(withLateral.views).toHaveLength(2);
    expect(withLateral.viewsNote).toMatch(/frontal view only/);
    expect(alone.draftViews).toEqual([0]);
    expect(alone.viewsNote).toBeUndefined();
  });

  it('a first view the detector flags is left out, its fix kept, and the next frontal view drafted alone', async () => {
    const alone = await engine.generateFiles([frontal()]);
    const both = await engine.generateFiles([rotated(), frontal()]);
    expect(both.draftViews).toEqual([1]);
    expect(both.report).toEqual(alone.report);
    expect(both.viewsNote).toMatch(/Image 1 \(turned\.png\), which does not look like a frontal chest radiograph/);
    expect(both.ood.fixes?.map((f) => f.view)).toContain(0);
  });

  it('two frontal films: the draft is the first film alone, never a blend of the two', async () => {
    const file = (rel: string): ImageFile => {
      const b = readFileSync(path.join(CXR_IMAGES, rel));
      return { name: path.basename(rel), bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, view: 'frontal' };
    };
    const normal = 'kermany/IM-0115-0001.jpeg';
    const covid = 'covid_qu/COVID-1.jpg';
    const [normalAlone, covidAlone] = [await engine.generateFiles([file(normal)]), await engine.generateFiles([file(covid)])];
    const normalFirst = await engine.generateFiles([file(normal), file(covid)]);
    const covidFirst = await engine.generateFiles([file(covid), file(normal)]);
    expect(normalFirst.report).toEqual(normalAlone.report);
    expect(covidFirst.report).toEqual(covidAlone.report);
    expect(covidFirst.report.text).not.toEqual(normalFirst.report.text);
    expect(normalFirst.draftViews).toEqual([0]);
    expect(normalFirst.viewsNote).toMatch(/Image 2 \(COVID-1\.jpg\), a second frontal view, is shown for reference/);
  });
});
