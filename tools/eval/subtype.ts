// Pneumonia subtype agreement: where the source labels say bacterial or viral (Kermany), does the report say the
// same? A report "states" a subtype when it names one ("bacterial", "viral"; both or neither = none stated). The
// share of agreeing reports is over all labelled images, so a report that stays silent does not agree.
import { statedSubtype, type PneumoniaSubtype } from '../../src/text/subtype';

export { statedSubtype, type PneumoniaSubtype };

export interface SubtypeScores {
  n: number; // images with a labelled subtype
  stated: number; // share of their reports that name exactly one subtype
  agreement: number; // share whose named subtype is the labelled one
  agreement_when_stated: number; // the same among reports that name one (NaN when none does)
}

export function subtypeRecord(rec: { [field: string]: unknown }): PneumoniaSubtype | undefined {
  const t = rec.pneumonia_type;
  return t === 'bacterial' || t === 'viral' ? t : undefined;
}

/** null when no image has a labelled subtype. */
export function scoreSubtype(reports: readonly string[], subtypes: readonly (PneumoniaSubtype | undefined)[]): SubtypeScores | null {
  let n = 0;
  let stated = 0;
  let agree = 0;
  subtypes.forEach((truth, i) => {
    if (!truth) return;
    n++;
    const said = statedSubtype(reports[i]);
    if (said) stated++;
    if (said === truth) agree++;
  });
  if (n === 0) return null;
  return { n, stated: stated / n, agreement: agree / n, agreement_when_stated: stated ? agree / stated : NaN };
}
