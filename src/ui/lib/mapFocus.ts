// Which heatmap the overlay shows: a word's (hovered or focused, else pinned), a sentence's aggregate, or where the
// lesion map places the findings the second look flags, taken from the result for one view and stretched to [0,1];
// and the caption that names it (and, for a map from the lesion network, says so).
import type { SentenceMapSource } from '../../engine/lesionMap';
import type { ReportResult } from '../../engine/types';
import { formatScore } from './format';
import { mapSlice, normaliseMap } from './heatmap';
import { WEAK_STRENGTH, type ReportSegments, type WordSegment } from './reportSegments';

/** index: the token, the sentence, or (secondLook) the row of result.secondLookMap, which has one. */
export type MapFocus = { kind: 'token'; index: number } | { kind: 'sentence'; index: number } | { kind: 'secondLook'; index: 0 };

export const SECOND_LOOK_FOCUS: MapFocus = { kind: 'secondLook', index: 0 };

export function focusedMap(result: ReportResult | null, focus: MapFocus | null, view: number): Float32Array | null {
  if (!result || !focus) return null;
  const { grid, views, values } = result.heatmap;
  if (view < 0 || view >= views) return null;
  const source = focus.kind === 'token' ? values : focus.kind === 'sentence' ? result.sentenceHeatmaps : result.secondLookMap?.values;
  if (!source) return null;
  try {
    return normaliseMap(mapSlice(source, focus.index, view, views, grid[0] * grid[1]));
  } catch {
    return null;
  }
}

/** A sentence shown with the lesion map: what that map is, in words a reader can weigh. */
export const LESION_MAP_NOTE =
  'where the lesion map places the finding (a second network, trained only on where annotated nodules and opacities were; it does not read the words)';

/** secondLook: the names of the left-out findings result.secondLookMap is for. */
export function focusCaption(
  segments: ReportSegments | null,
  focus: MapFocus | null,
  sources?: readonly SentenceMapSource[],
  secondLook?: readonly string[],
): string | null {
  if (!segments || !focus) return null;
  if (focus.kind === 'secondLook') return secondLook?.length ? `Left out of the draft: ${secondLook.join(', ')} — ${LESION_MAP_NOTE}.` : null;
  const groups = [...segments.findings, ...segments.impression];
  if (focus.kind === 'sentence') {
    const n = groups.findIndex((g) => g.sentence === focus.index);
    if (n < 0) return null;
    const strength = Math.round(groups[n].meanStrength * 100);
    if (sources?.[focus.index] === 'lesion_map') return `Sentence ${n + 1}: “${groups[n].text}” — ${LESION_MAP_NOTE}.`;
    return `Sentence ${n + 1}: “${groups[n].text}” — where the whole sentence points (mean grounding strength ${strength}%).`;
  }
  const word = groups.flatMap((g) => g.segments).find((s): s is WordSegment => s.kind === 'word' && s.tokenIndex === focus.index);
  if (!word) return null;
  const weak = word.strength < WEAK_STRENGTH ? ' — weakly grounded: the image gives little support for this word' : '';
  return `“${word.text}”: grounding ${formatScore(word.grounding, 3)}${weak}.`;
}
