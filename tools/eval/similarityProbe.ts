// Does the model's image–text similarity tell a report's findings apart? Measured through the engine's own model
// classes: each image's generated report (its draft) against the drafts of other images whose true findings differ
// and whose drafts assert another finding set. For the decoder's similarity (model 1.0) a report is read
// teacher-forced behind the scoring image's prefix; for the towers, p_txt depends on the text alone.
import { assertedFindings } from '../../src/text/metrics/clinical';
import { WordTokenizer } from '../../src/text/tokenizer';
import { generateReport } from '../../src/engine/generateReport';
import type { Precision } from '../../src/engine/manifest';
import { loadModelFiles } from '../../src/engine/modelLoader';
import { FsModelSource } from '../../src/engine/node/fsModelSource';
import { loadOrtNode } from '../../src/engine/node/nodeEngine';
import { OnnxReportModel } from '../../src/engine/onnxModel';
import { decoderSimilarity, findingSetKey } from '../../src/engine/rerank';
import { createSessions, releaseSessions } from '../../src/engine/sessions';
import { resolveSettings } from '../../src/engine/settings';
import { fedIds } from '../../src/engine/similarityTowers';
import { cosine } from '../../src/engine/vectorMath';
import type { DecodingDefaults } from '../../src/engine/manifest';

export interface Discrimination {
  auroc: number; // P(own report scores above another-findings report), ties half
  mean_cos_own: number;
  mean_cos_other: number;
  images: number;
  pairs: number;
}

/** Mann–Whitney AUROC of positives over negatives. */
export function auroc(pos: readonly number[], neg: readonly number[]): number {
  if (pos.length === 0 || neg.length === 0) return NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

export interface ProbeCase {
  truthKey: string; // the image's true finding set
  pixels: Float32Array; // normalised [S*S]
}

export interface ProbeResult {
  decoder: Discrimination;
  towers: Discrimination | null;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function summarise(own: number[], other: number[]): Discrimination {
  return { auroc: auroc(own, other), mean_cos_own: mean(own), mean_cos_other: mean(other), images: own.length, pairs: other.length };
}

/** negativesPerImage drafts of other images (true findings and draft findings both different) per image. */
export async function probeSimilarity(
  modelDir: string,
  cases: readonly ProbeCase[],
  opts: { precision?: Precision; negativesPerImage?: number; settings?: Partial<DecodingDefaults>; onProgress?: (done: number) => void } = {},
): Promise<ProbeResult> {
  const files = await loadModelFiles(new FsModelSource(modelDir), opts.precision ?? 'fp32');
  const sessions = await createSessions(await loadOrtNode(), files.files, 'cpu', files.manifest.architecture.n_layers, { numThreads: 1 });
  try {
    const model = new OnnxReportModel(sessions, files.manifest);
    const tokenizer = new WordTokenizer(files.tokenizerJson);
    const settings = resolveSettings(files.manifest, opts.settings);
    const S = files.manifest.preprocessing.image_size;
    const eos = files.manifest.special_ids.eos;
    const drafts: { ids: number[]; findingKey: string; prefix: Float32Array; pImg: Float32Array; towerPImg: Float32Array | null }[] = [];
    for (const [i, c] of cases.entries()) {
      const images = [{ data: c.pixels, size: S, view: 'frontal' as const }];
      const encoded = await model.encode(images); // once: the draft and the scoring below share it
      const r = await generateReport({ model, tokenizer, backend: 'cpu', images, settings, encoded });
      drafts.push({
        ids: fedIds(r.candidates[0].tokenIds, eos),
        findingKey: findingSetKey(assertedFindings(r.report.text)),
        prefix: encoded.prefix,
        pImg: encoded.pImg,
        towerPImg: encoded.towers?.pImg ?? null,
      });
      opts.onProgress?.(i + 1);
    }
    const towerText = model.towers ? (await model.towers.texts(drafts.map((d) => d.ids))).pooled : null;
    const k = opts.negativesPerImage ?? 5;
    const dec = { own: [] as number[], other: [] as number[] };
    const tow = { own: [] as number[], other: [] as number[] };
    const decoderSim = async (i: number, j: number) => {
      const embeds = await model.teacherForcedTextEmbeds(drafts[i].prefix, drafts[j].ids);
      return decoderSimilarity({ tokenIds: drafts[j].ids, logp: 0, score: 0, textEmbeds: embeds, group: 0 }, drafts[i].pImg);
    };
    for (let i = 0; i < drafts.length; i++) {
      const others: number[] = [];
      for (let step = 1; step < drafts.length && others.length < k; step++) {
        const j = (i + step * 7919) % drafts.length; // a fixed spread over the set, not the neighbours in order
        if (j !== i && cases[j].truthKey !== cases[i].truthKey && drafts[j].findingKey !== drafts[i].findingKey && !others.includes(j)) others.push(j);
      }
      if (others.length === 0) continue;
      dec.own.push(await decoderSim(i, i));
      for (const j of others) dec.other.push(await decoderSim(i, j));
      if (towerText) {
        tow.own.push(cosine(drafts[i].towerPImg!, towerText[i]));
        for (const j of others) tow.other.push(cosine(drafts[i].towerPImg!, towerText[j]));
      }
    }
    return { decoder: summarise(dec.own, dec.other), towers: towerText ? summarise(tow.own, tow.other) : null };
  } finally {
    await releaseSessions(sessions);
  }
}
