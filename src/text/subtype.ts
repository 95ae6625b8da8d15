// Which pneumonia subtype a report names: "bacterial" or "viral" (both or neither = none). The eval's subtype
// agreement and the subtype gate's vocabulary words (npm run subtype-probe) read the same patterns. And which subtype
// the pattern a report describes points to: a consolidation (or a lobar process) reads bacterial, an interstitial
// pattern viral; the subtype gate does not name a type the draft's own pattern contradicts.
import { labelReport } from './labeler';

export type PneumoniaSubtype = 'bacterial' | 'viral';

export const BACTERIAL_WORD = /\bbacteri/i;
export const VIRAL_WORD = /\bvir(al|us)\b/i;

/** The subtype a report names, or null when it names neither or both. */
export function statedSubtype(report: string): PneumoniaSubtype | null {
  const b = BACTERIAL_WORD.test(report);
  const v = VIRAL_WORD.test(report);
  return b === v ? null : b ? 'bacterial' : 'viral';
}

const LOBAR = /\blobar\b/;
const INTERSTITIAL = /\binterstitial\b/;

/** The subtype the report's described pattern points to: an asserted (positive or uncertain) consolidation or a lobar
 *  process → bacterial, an asserted finding in a sentence that calls it interstitial → viral; null for neither or both. */
export function describedPattern(report: string): PneumoniaSubtype | null {
  const asserted = labelReport(report).mentions.filter((m) => m.status !== 'negative');
  const bacterial = asserted.some((m) => m.finding === 'consolidation' || LOBAR.test(m.sentence));
  const viral = asserted.some((m) => INTERSTITIAL.test(m.sentence));
  return bacterial === viral ? null : bacterial ? 'bacterial' : 'viral';
}
