// The committed model's similarity, through the engine's own classes (tools/eval/similarityProbe.ts): on real
// test-split radiographs from ../shared/data, the towers' cos(p_img, p_txt) ranks an image's own draft above drafts
// that assert other findings, while the decoder's similarity (model 1.0's) does not. A property of the trained
// model: a retrained model must keep it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecordImage } from './images';
import { readManifest } from './manifest';
import { probeSimilarity } from './similarityProbe';
import { truthFindings } from './truth';
import { CXR_DIR } from '../cli/paths';
import type { ModelManifest } from '../../src/engine/manifest';
import { defaultModelDir } from '../../src/engine/node/defaultModelDir';
import { findingSetKey } from '../../src/engine/rerank';

const PER_SOURCE = 6;

describe("the committed model's image–text similarity", () => {
  it('the towers tell a draft’s findings apart; the decoder’s similarity does not', async () => {
    const model = JSON.parse(readFileSync(path.join(defaultModelDir(), 'manifest.json'), 'utf8')) as ModelManifest;
    expect(model.similarity?.text.path).toBe('onnx/similarity_text.onnx');
    const rows = readManifest(path.join(CXR_DIR, 'manifest.jsonl')).filter((r) => r.split === 'test');
    const picked = ['covid_qu', 'kermany', 'nih64', 'jsrt'].flatMap((s) => rows.filter((r) => r.source === s).slice(0, PER_SOURCE));
    const cases = await Promise.all(
      picked.map(async (r) => ({ truthKey: findingSetKey(truthFindings(r)), pixels: (await loadRecordImage(CXR_DIR, r, model.preprocessing)).pixels })),
    );
    const { decoder, towers } = await probeSimilarity(defaultModelDir(), cases, { negativesPerImage: 3 });
    expect(towers).not.toBeNull();
    expect(towers!.pairs).toBeGreaterThan(30);
    expect(towers!.auroc).toBeGreaterThan(0.85);
    expect(towers!.mean_cos_own - towers!.mean_cos_other).toBeGreaterThan(0.1);
    expect(decoder.auroc).toBeLessThan(towers!.auroc - 0.2);
  }, 120_000);
});
