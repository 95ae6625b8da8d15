// Which pneumonia subtype a report names: "bacterial" or "viral" (both or neither = none). The eval's subtype
// agreement and the subtype gate's vocabulary words (npm run subtype-probe) read the same patterns.
export type PneumoniaSubtype = 'bacterial' | 'viral';

export const BACTERIAL_WORD = /\bbacteri/i;
export const VIRAL_WORD = /\bvir(al|us)\b/i;

/** The subtype a report names, or null when it names neither or both. */
export function statedSubtype(report: string): PneumoniaSubtype | null {
  const b = BACTERIAL_WORD.test(report);
  const v = VIRAL_WORD.test(report);
  return b === v ? null : b ? 'bacterial' : 'viral';
}
