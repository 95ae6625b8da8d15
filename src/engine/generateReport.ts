// One report from preprocessed views on a loaded model: encode once → OOD check → beam search with the
// cached decoder (best partial beam streamed) → self-refinement rerank → token/sentence heatmaps.
import type { WordTokenizer } from '../text/tokenizer';
import { beamSearch } from './beamSearch';
import { sentenceHeatmaps, tokenHeatmaps } from './heatmap';
import { processorsFor } from './logitsProcessors';
import type { DecodingDefaults } from './manifest';
import type { OnnxReportModel } from './onnxModel';
import { checkOod, colourWarning, detectorFlagged } from './ood';
import { layoutReportTokens } from './reportTokens';
import { rerank } from './rerank';
import type { Backend, GenerateCallbacks, ImageTensor, ReportResult } from './types';

export interface ReportJob {
  model: OnnxReportModel;
  tokenizer: WordTokenizer;
  backend: Backend;
  images: ImageTensor[];
  settings: DecodingDefaults;
  signal?: AbortSignal;
  callbacks?: GenerateCallbacks;
}

const now = (): number => performance.now();

export async function generateReport(job: ReportJob): Promise<ReportResult> {
  const { model, tokenizer, settings, callbacks = {} } = job;
  const manifest = model.manifest;
  const special = manifest.special_ids;
  const t0 = now();

  callbacks.onStage?.({ stage: 'encode' });
  const encoded = await model.encode(job.images);
  const t1 = now();
  const ood = checkOod(encoded.pImg, manifest.ood, encoded.oodLogits, job.images);
  const warnings = [
    ...(ood.warning ? [ood.warning] : []),
    ...job.images.filter((im) => im.isColour).map((im) => colourWarning(im.name)),
  ];

  callbacks.onStage?.(detectorFlagged(ood) ? { stage: 'decode', notFrontalChest: true } : { stage: 'decode' });
  const decoder = model.stepDecoder(encoded.prefix);
  let hyps;
  try {
    hyps = await beamSearch(decoder, {
      numBeams: settings.beam,
      alpha: settings.alpha,
      maxLength: settings.max_length,
      bosId: special.bos,
      eosId: special.eos,
      processor: processorsFor(settings, special, tokenizer.vocabSize),
      signal: job.signal,
      onStep: callbacks.onToken ? (ids) => callbacks.onToken?.(tokenizer.decodeReport(ids).text) : undefined,
    });
  } finally {
    decoder.dispose();
  }

  callbacks.onStage?.({ stage: 'rerank' });
  const ranked = rerank(hyps, encoded.pImg, settings.alpha, settings.beta);
  const chosen = ranked.chosen;
  const layout = layoutReportTokens(chosen.tokenIds, chosen.textEmbeds, tokenizer, special);
  const { heatmap, grounding } = tokenHeatmaps(layout.embeds, encoded.patchEmbeds, encoded.pImg, manifest.preprocessing.grid);
  layout.tokens.forEach((t, i) => (t.grounding = grounding[i]));
  const sentences = sentenceHeatmaps(
    heatmap,
    layout.tokens.map((t) => t.sentence),
    layout.sentences,
  );
  const t2 = now();
  callbacks.onStage?.({ stage: 'done' });
  return {
    report: tokenizer.decodeReport(chosen.tokenIds),
    candidates: ranked.candidates.map((c) => ({
      text: tokenizer.decodeReport(c.tokenIds).text,
      tokenIds: c.tokenIds,
      logp: c.logp,
      length: c.length,
      lengthNormLogp: c.lengthNormLogp,
      similarity: c.similarity,
      score: c.score,
      chosen: c.chosen,
    })),
    rerankChangedChoice: ranked.rerankChangedChoice,
    tokens: layout.tokens,
    heatmap,
    sentenceHeatmaps: sentences,
    ood,
    warnings,
    backend: job.backend,
    settings,
    timings: { encode_ms: t1 - t0, decode_ms: t2 - t1, total_ms: t2 - t0 },
  };
}
