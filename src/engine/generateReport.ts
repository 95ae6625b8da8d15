// One report from preprocessed views on a loaded model: encode once → OOD check → (diverse) beam search with the
// cached decoder (best partial beam streamed, at most every STREAM_INTERVAL_MS) → the subtype gate takes out a
// pneumonia type the image does not back → the labeler reads each candidate → self-refinement rerank by the
// image–text similarity (the towers' when the model has them) → the side gate takes a side the model does not read
// out of the ranked candidates, and the subtype gate names the type the image backs where they left it out →
// token/sentence heatmaps of the draft in the same space (a sentence asserting a localised finding shows the lesion map,
// and so does a localised finding the second look flags although the draft left it out).
import type { WordTokenizer } from '../text/tokenizer';
import { beamSearch, type BeamSearchOptions, type Hypothesis } from './beamSearch';
import { pixelDigest, samplingSearch } from './samplingSearch';
import { sentenceHeatmaps, tokenHeatmaps } from './heatmap';
import { applyLesionMap, lesionFindingsOf, lesionSentences, scaledLesionMap, type SentenceMapSource, sentenceTextsOf } from './lesionMap';
import bannedPhrasesJson from '../text/data/decoding/bannedPhrases.json' with { type: 'json' };
import { bannedPhraseIds, processorsFor } from './logitsProcessors';
import type { DecodingDefaults } from './manifest';
import type { DecoderRunStats } from './kvDecoder';
import type { EncodedImages, OnnxReportModel } from './onnxModel';
import { detectorFlagged, inputWarnings } from './ood';
import { assessOod } from './orientationCheck';
import { layoutReportTokens } from './reportTokens';
import { assertedFindings } from '../text/metrics/clinical';
import { decoderSimilarity, rerank, tallyFindings } from './rerank';
import { fedIds } from './similarityTowers';
import { readingOf } from './findingReader';
import { leftOutFindings } from './secondLook';
import { gateRanked, sideGateMeasured, withoutSides } from './sideGate';
import { unassessedStatements } from './unassessed';
import { readSubtype, subtypeFeature, subtypeNamer, withheldSubtypeIds, withoutTokens } from './subtypeGate';
import { STREAM_INTERVAL_MS, throttledStream } from './tokenStream';
import { cosine } from './vectorMath';
import type { Backend, Candidate, GenerateCallbacks, ImageTensor, ReportResult } from './types';

export interface ReportJob {
  model: OnnxReportModel;
  tokenizer: WordTokenizer;
  backend: Backend;
  images: ImageTensor[];
  settings: DecodingDefaults;
  signal?: AbortSignal;
  callbacks?: GenerateCallbacks;
  encoded?: EncodedImages; // model.encode(images) when the caller already has it (it must be of these images)
}

const now = (): number => performance.now();

/** The project's banned phrases (src/text/data/decoding/bannedPhrases.json) in each loaded model's ids, read once. */
const bannedIds = new WeakMap<WordTokenizer, number[][]>();
function bannedIdsOf(tokenizer: WordTokenizer): number[][] {
  let ids = bannedIds.get(tokenizer);
  if (!ids) bannedIds.set(tokenizer, (ids = bannedPhraseIds(tokenizer, bannedPhrasesJson.phrases)));
  return ids;
}

/** The candidates: a (diverse) beam search, plus S sampled alternatives when settings.samples > 0. With beam 1 the
 *  greedy row and the samples share one batched decode; otherwise the samples follow the beam (their groups after).
 *  The samples' seed is the settings' seed mixed with a digest of the images: reproducible per image, independent
 *  across images. */
async function searchCandidates(
  decoder: ReturnType<OnnxReportModel['stepDecoder']>,
  search: BeamSearchOptions,
  settings: DecodingDefaults,
  images: readonly ImageTensor[],
): Promise<Hypothesis[]> {
  const samples = settings.samples ?? 0;
  if (samples === 0) return beamSearch(decoder, search);
  const sampling = {
    samples,
    temperature: settings.temperature ?? 1,
    seed: ((settings.seed ?? 0) ^ images.reduce((h: number, im) => Math.imul(h ^ pixelDigest(im.data), 0x01000193) >>> 0, 0)) >>> 0,
    alpha: search.alpha,
    maxLength: search.maxLength,
    bosId: search.bosId,
    eosId: search.eosId,
    processor: search.processor,
    signal: search.signal,
  };
  if (search.numBeams === 1) return samplingSearch(decoder, { ...sampling, greedy: true, onStep: search.onStep });
  const beams = await beamSearch(decoder, search);
  const offset = search.groups ?? 1;
  const sampled = await samplingSearch(decoder, { ...sampling, greedy: false });
  return [...beams, ...sampled.map((h) => ({ ...h, group: h.group - 1 + offset }))];
}

/** The first of each distinct token sequence (a sample may repeat the beam's candidate word for word), and how
 *  many rows produced each: the consensus term counts a repeated reading once per draw. */
function distinct(all: readonly Hypothesis[]): { hyps: Hypothesis[]; draws: number[] } {
  const index = new Map<string, number>();
  const hyps: Hypothesis[] = [];
  const draws: number[] = [];
  for (const h of all) {
    const key = h.tokenIds.join(',');
    const at = index.get(key);
    if (at !== undefined) {
      draws[at]++;
      continue;
    }
    index.set(key, hyps.length);
    hyps.push(h);
    draws.push(1);
  }
  return { hyps, draws };
}

export async function generateReport(job: ReportJob): Promise<ReportResult> {
  const { model, tokenizer, settings, callbacks = {} } = job;
  const manifest = model.manifest;
  const special = manifest.special_ids;
  const t0 = now();

  callbacks.onStage?.({ stage: 'encode' });
  const encoded = job.encoded ?? (await model.encode(job.images));
  const t1 = now();
  const ood = await assessOod(model, manifest, job.images, encoded);
  const warnings = [...(ood.warning ? [ood.warning] : []), ...job.images.flatMap(inputWarnings)];

  callbacks.onStage?.(detectorFlagged(ood) ? { stage: 'decode', notFrontalChest: true } : { stage: 'decode' });
  const probe = manifest.subtype_probe;
  const probeInput =
    probe && settings.subtype_gate === 1
      ? subtypeFeature(probe.feature, {
          pImg: encoded.pImg,
          towers: encoded.towers,
          towerDim: manifest.similarity?.embed_dim,
          imageReading: encoded.imageReading,
        })
      : null;
  const subtype = probe && probeInput ? readSubtype(probe, probeInput) : undefined;
  // The subtype words the image does not back leave every candidate (and the stream) before anything reads them.
  const withheld = probe && subtype ? withheldSubtypeIds(probe, subtype, (w) => tokenizer.idOf(w)) : new Set<number>();
  // The side of a finding the manifest's side gate lists leaves the stream as it comes and the candidates once chosen.
  const sideGated = settings.side_gate === 1 && manifest.side_gate ? manifest.side_gate.findings : [];
  const decoder = model.stepDecoder(encoded.prefix);
  let hyps: Hypothesis[];
  let draws: number[];
  let decoderStats: DecoderRunStats;
  const stream = callbacks.onToken
    ? throttledStream(
        (ids: number[]) => callbacks.onToken?.(tokenizer.decodeReport(withoutSides(withoutTokens(ids, withheld), tokenizer, sideGated).tokenIds).text),
        callbacks.tokenIntervalMs ?? STREAM_INTERVAL_MS,
        now,
      )
    : null;
  try {
    const search: BeamSearchOptions = {
      numBeams: settings.beam,
      alpha: settings.alpha,
      maxLength: settings.max_length,
      bosId: special.bos,
      eosId: special.eos,
      processor: processorsFor(settings, special, tokenizer.vocabSize, bannedIdsOf(tokenizer)),
      groups: settings.groups ?? 1,
      diversityPenalty: settings.diversity_penalty ?? 0,
      signal: job.signal,
      onStep: stream ? (ids) => stream.step(ids) : undefined,
    };
    const found = await searchCandidates(decoder, search, settings, job.images);
    stream?.flush();
    ({ hyps, draws } = distinct(withheld.size ? found.map((h) => ({ ...h, tokenIds: withoutTokens(h.tokenIds, withheld) })) : found));
  } finally {
    decoderStats = decoder.runStats;
    decoder.dispose();
  }

  callbacks.onStage?.({ stage: 'rerank' });
  const texts = hyps.map((h) => tokenizer.decodeReport(h.tokenIds).text);
  const findings = texts.map((t) => assertedFindings(t));
  const towers = model.towers && encoded.towers ? { model: model.towers, image: encoded.towers } : null;
  const towerTexts = towers ? await towers.model.texts(hyps.map((h) => fedIds(h.tokenIds, special.eos))) : null;
  const similarities = towers && towerTexts ? towerTexts.pooled.map((p) => cosine(towers.image.pImg, p)) : hyps.map((h) => decoderSimilarity(h, encoded.pImg));
  const reading = encoded.reading ?? undefined; // the finding reader's, when the model has one
  const readerWeight = reading ? (settings.reader_weight ?? 0) : 0;
  const ranked = rerank(
    hyps,
    similarities,
    findings,
    settings.alpha,
    settings.beta,
    settings.consensus ?? 0,
    draws,
    settings.vote_threshold ?? 0,
    reading && { findings: reading, weight: readerWeight },
  );
  const shown = gateRanked(ranked.candidates, tokenizer, sideGated);
  const { candidate: chosen, members, removed: sideRemoved, keep } = shown[0];
  // The type the image backs, named where a shown candidate asserts pneumonia without one (an edited draft's word maps
  // come from the towers, so naming comes only with them).
  const namer = towers && probe && subtype && settings.subtype_name === 1 ? subtypeNamer(probe, subtype, tokenizer) : null;
  const namedShown = shown.map(({ candidate: c }) => namer?.(c.tokenIds) ?? { tokenIds: c.tokenIds, byProbe: null });
  const shownIds = namedShown.map((n) => n.tokenIds);
  const draftIds = shownIds[0];
  const named = namedShown[0].byProbe !== null;
  const patternDisagrees = namedShown[0].patternDisagrees === true;
  const edited = chosen !== members[0] || named; // the draft itself lost a side phrase or gained a type
  // Word maps in the space the similarity was measured in: the towers' token and patch embeddings, else the decoder's.
  const embeds = towerTexts
    ? edited
      ? (await towers!.model.texts([fedIds(draftIds, special.eos)])).tokens[0]
      : towerTexts.tokens[chosen.index]
    : chosen.textEmbeds.filter((_, i) => keep[i]);
  const layout = layoutReportTokens(draftIds, embeds, tokenizer, special, namedShown[0].byProbe ?? undefined);
  const space = towers ? towers.image : { patchEmbeds: encoded.patchEmbeds, pImg: encoded.pImg, grid: manifest.preprocessing.grid };
  const { heatmap, grounding } = tokenHeatmaps(layout.embeds, space.patchEmbeds, space.pImg, space.grid);
  layout.tokens.forEach((t, i) => (t.grounding = grounding[i]));
  const sentences = sentenceHeatmaps(
    heatmap,
    layout.tokens.map((t) => t.sentence),
    layout.sentences,
  );
  const candidates: Candidate[] = shown.map(({ candidate: c, members }, k) => ({
    text: c === members[0] && namedShown[k].byProbe === null ? texts[c.index] : tokenizer.decodeReport(shownIds[k]).text,
    tokenIds: shownIds[k],
    logp: c.logp,
    length: c.length,
    lengthNormLogp: c.lengthNormLogp,
    similarity: c.similarity,
    agreement: c.agreement,
    support: c.support,
    score: c.score,
    group: c.group,
    sampled: hyps[c.index].sampled === true,
    draws: c.draws,
    findings: c.findings,
    chosen: c.chosen,
  }));
  const pageReading = reading
    ? readingOf(
        reading,
        ranked.tally.map((t) => t.finding),
      )
    : undefined;
  // A sentence that asserts a lesion shows the lesion map, and so does a localised finding the second look flags (what
  // the page lists under the draft, from the same candidates and reading); its network runs only for such a draft.
  const sentenceTexts = sentenceTextsOf(layout.tokens, layout.sentences);
  const shownLesion = manifest.lesion_map ? lesionSentences(sentenceTexts, manifest.lesion_map) : [];
  const unassessed = manifest.assessed_findings ? unassessedStatements(sentenceTexts, manifest.assessed_findings) : null;
  const flagged = manifest.second_look
    ? leftOutFindings(candidates, (candidates.find((c) => c.chosen) ?? candidates[0]).findings, pageReading, manifest.second_look)
    : [];
  const flaggedLesions = manifest.lesion_map
    ? lesionFindingsOf(
        flagged.map((f) => f.finding),
        manifest.lesion_map,
      )
    : [];
  // The map is an aid to reading the draft, not the draft: if its network fails, the draft stands with its words' maps.
  const lesion =
    shownLesion.some(Boolean) || flaggedLesions.length > 0
      ? await model.lesionMap(job.images).catch((err: unknown) => {
          warnings.push(`The lesion map could not run (${err instanceof Error ? err.message : String(err)}), so every sentence shows its words' map.`);
          return null;
        })
      : null;
  const cells = heatmap.grid[0] * heatmap.grid[1];
  const minPeak = manifest.lesion_map?.min_peak ?? 0;
  const sentenceMapSources = lesion
    ? applyLesionMap(sentences, shownLesion, lesion, heatmap.views, cells, minPeak)
    : new Array<SentenceMapSource>(layout.sentences).fill('words');
  const leftOutMap = lesion && flaggedLesions.length > 0 ? scaledLesionMap(lesion, heatmap.views, cells, minPeak) : null;
  const t2 = now();
  callbacks.onStage?.({ stage: 'done' });
  return {
    report: tokenizer.decodeReport(draftIds),
    candidates,
    rerankChangedChoice: ranked.rerankChangedChoice,
    refinement: {
      similaritySource: towers ? 'towers' : 'decoder',
      findingSets: ranked.findingSets,
      tally: tallyFindings(shown.map((s) => s.candidate)), // over the candidates shown (the side gate may fold two into one)
      lmChoice: shown.findIndex((s) => s.members.includes(ranked.lmChoice)),
      ...(subtype ? { subtype: settings.subtype_name === 1 ? { ...subtype, named, ...(patternDisagrees ? { patternDisagrees } : {}) } : subtype } : {}),
      ...(settings.side_gate === 1 && manifest.side_gate
        ? { sideGate: { findings: sideGated, removed: sideRemoved, measured: sideGateMeasured(manifest.side_gate) } }
        : {}),
      ...(pageReading ? { reading: pageReading, readerWeight } : {}),
    },
    tokens: layout.tokens,
    heatmap,
    sentenceHeatmaps: sentences,
    sentenceMapSources,
    ...(leftOutMap ? { secondLookMap: { findings: flaggedLesions, values: leftOutMap } } : {}),
    ...(unassessed ? { unassessed } : {}),
    ood,
    warnings,
    backend: job.backend,
    settings,
    timings: {
      encode_ms: t1 - t0,
      decode_ms: t2 - t1,
      total_ms: t2 - t0,
      decoder: decoderStats,
    },
  };
}
