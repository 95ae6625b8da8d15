// The lesion map (training/lesion_map.py): a network of its own that says where on the film a localised finding most
// likely is, trained on the train split's lesion annotations only (JSRT nodules, NIH and RSNA boxes). The engine runs
// it once a draft's sentence asserts one of its findings ("a nodule in the left upper lobe"), and that sentence shows
// the lesion map instead of the mean of its words' maps. Each word keeps its own map (the similarity's), so the page
// can show both: where the words point, and where the lesion network places the finding. It also runs when the
// second look flags such a finding the draft left out, so the page can show where that finding might be.
import { ModelManifestError } from './errors';
import type { ModelFileEntry } from './manifest';
import { labelSentence } from '../text/labeler';

/** The lesion map as the manifest keeps it (`lesion_map`): pixels [V,1,S,S] → probabilities over the cells [V,rows*cols]. */
export interface LesionMapEntry extends ModelFileEntry {
  grid: [number, number]; // the report's heatmap grid (the towers', else the encoder's)
  findings: string[]; // labeler keys whose sentences show this map
  except?: string[]; // labeler keys of diffuse patterns: a sentence asserting one keeps its words' maps
  min_peak?: number; // below this peak probability (in any view) the map is not shown: it is unsure where, e.g. on a noisy film
  training?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
}

/** Where a sentence's map comes from: the mean of its words' maps, or the lesion map. */
export type SentenceMapSource = 'words' | 'lesion_map';

export function checkLesionMap(entry: LesionMapEntry, heatmapGrid: readonly [number, number]): void {
  const ok =
    typeof entry.path === 'string' &&
    Number.isInteger(entry.bytes) &&
    /^[0-9a-f]{64}$/i.test(entry.sha256 ?? '') &&
    (entry.findings?.length ?? 0) > 0 &&
    Array.isArray(entry.grid) &&
    entry.grid.length === 2;
  if (!ok) throw new ModelManifestError("manifest.json's lesion_map needs a path, bytes, sha256, grid and findings; re-run `npm run lesion-map -- --write`.");
  if (entry.grid[0] !== heatmapGrid[0] || entry.grid[1] !== heatmapGrid[1]) {
    throw new ModelManifestError(
      `manifest.json's lesion_map is on a ${entry.grid.join('×')} grid but the report's maps are ${heatmapGrid.join('×')}; re-run \`npm run lesion-map -- --write\` for this model.`,
    );
  }
}

/** Each sentence's text, from the tokens [T] and the sentence count. */
export function sentenceTextsOf(tokens: readonly { text: string; sentence: number }[], sentences: number): string[] {
  const words: string[][] = Array.from({ length: sentences }, () => []);
  for (const t of tokens) words[t.sentence]?.push(t.text);
  return words.map((w) => w.join(' '));
}

// A process on both sides or spread through the lungs has no one place: the lesion map, trained on focal lesions,
// peaks somewhere in it, which would read as "here".
const DIFFUSE = /\b(bilateral|both lungs|diffuse|interstitial|multifocal)\b/;

/** Does the sentence assert (positive or uncertain) one of `findings` in one place: none of `except`, nothing
 *  bilateral or diffuse? Exactly those keys: the list names lung_opacity for a focal opacity, and a sentence on the
 *  bilateral COVID-19 pattern also reads as a lung opacity, so the entry's `except` leaves it to its words. */
export function assertsLesion(sentence: string, findings: ReadonlySet<string>, except: ReadonlySet<string>): boolean {
  const asserted = labelSentence(sentence).filter((m) => m.status !== 'negative');
  if (!asserted.some((m) => findings.has(m.finding))) return false;
  return !asserted.some((m) => except.has(m.finding) || m.side === 'bilateral') && !DIFFUSE.test(sentence.toLowerCase());
}

/** Which sentences show the lesion map: those that assert a lesion (assertsLesion) by the entry's lists. The engine runs
 *  the network only when one does, so a draft without a lesion costs nothing. */
export function lesionSentences(sentenceTexts: readonly string[], entry: Pick<LesionMapEntry, 'findings' | 'except'>): boolean[] {
  const wanted = new Set(entry.findings);
  const except = new Set(entry.except ?? []);
  return sentenceTexts.map((text) => assertsLesion(text, wanted, except));
}

/**
 * The lesion map as the page shows it: each view's probabilities [views*N] scaled so that the view's peak is 1 (the
 * words' maps are cosines, at most 1); or null when the map's peak is below `minPeak` in any view: the network is
 * unsure where the lesion is (on a noisy or blurred film it spreads out), and a confident-looking overlay would mislead.
 */
export function scaledLesionMap(lesion: Float32Array, views: number, cells: number, minPeak = 0): Float32Array | null {
  if (lesion.length !== views * cells) throw new RangeError(`lesion map has ${lesion.length} values, expected ${views}×${cells}`);
  const scaled = new Float32Array(lesion.length);
  for (let v = 0; v < views; v++) {
    let peak = 0;
    for (let n = 0; n < cells; n++) peak = Math.max(peak, lesion[v * cells + n]);
    if (peak < minPeak || peak <= 0) return null;
    for (let n = 0; n < cells; n++) scaled[v * cells + n] = lesion[v * cells + n] / peak;
  }
  return scaled;
}

/**
 * sentenceMaps [S, views, N] (changed in place): the rows of the sentences marked in `shown` [S] become the lesion map
 * of that view (scaledLesionMap), unless the map is unsure where the lesion is. lesion: [views*N] probabilities.
 * Returns each sentence's source.
 */
export function applyLesionMap(
  sentenceMaps: Float32Array,
  shown: readonly boolean[],
  lesion: Float32Array,
  views: number,
  cells: number,
  minPeak = 0,
): SentenceMapSource[] {
  if (sentenceMaps.length !== shown.length * views * cells) {
    throw new RangeError(`sentence maps have ${sentenceMaps.length} values, expected ${shown.length}×${views}×${cells}`);
  }
  const scaled = scaledLesionMap(lesion, views, cells, minPeak);
  return shown.map((lesionSentence, s) => {
    if (!lesionSentence || !scaled) return 'words';
    sentenceMaps.set(scaled, s * views * cells);
    return 'lesion_map';
  });
}

/** The findings among `flagged` (left out of the draft, flagged for a second look) that the lesion map is for: one
 *  of the entry's findings and none of its diffuse exceptions. */
export function lesionFindingsOf(flagged: readonly string[], entry: Pick<LesionMapEntry, 'findings' | 'except'>): string[] {
  const except = new Set(entry.except ?? []);
  return flagged.filter((f) => entry.findings.includes(f) && !except.has(f));
}
