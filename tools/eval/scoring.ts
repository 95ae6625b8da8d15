// Scores every system's reports overall and per source: NLG against the image's composed reference reports and
// clinical (labeler) against its true findings. Pure: reports, references and truths in, numbers out.
import type { FindingKey } from '../../src/text/findings';
import { scoreNlg, type NlgScores } from '../../src/text/metrics';
import { scoreReports, type ClinicalScores, type UncertainPolicy } from '../../src/text/metrics/clinical';
import { scoreSubtype, type PneumoniaSubtype, type SubtypeScores } from './subtype';

export interface SystemScores {
  n: number;
  nlg: NlgScores & { meteor_exact_stem: number };
  clinical: ClinicalScores;
  subtype?: SubtypeScores; // pneumonia subtype agreement, where the labels give one (Kermany)
}

export interface EvalItem {
  id: string;
  source: string;
  references: string[];
  truth: FindingKey[];
  subtype?: PneumoniaSubtype; // the labelled pneumonia subtype, where the source gives one
}

export function scoreSystem(reports: readonly string[], items: readonly EvalItem[], uncertain: UncertainPolicy = 'positive'): SystemScores {
  const nlg = scoreNlg(
    [...reports],
    items.map((it) => it.references),
  );
  const subtype = scoreSubtype(
    reports,
    items.map((it) => it.subtype),
  );
  return {
    n: items.length,
    nlg: { ...nlg, meteor_exact_stem: nlg.meteor },
    clinical: scoreReports(
      reports,
      items.map((it) => it.truth),
      uncertain,
    ),
    ...(subtype ? { subtype } : {}),
  };
}

/** Scores per system overall and per source (sources in order of first appearance). */
export function scoreAll(
  systems: Record<string, readonly string[]>,
  items: readonly EvalItem[],
  uncertain: UncertainPolicy = 'positive',
): { systems: Record<string, SystemScores>; per_source: Record<string, Record<string, SystemScores>> } {
  const out: Record<string, SystemScores> = {};
  const perSource: Record<string, Record<string, SystemScores>> = {};
  const sources = [...new Set(items.map((it) => it.source))];
  for (const [name, reports] of Object.entries(systems)) {
    if (reports.length !== items.length) throw new RangeError(`system ${name} has ${reports.length} reports for ${items.length} images`);
    out[name] = scoreSystem(reports, items, uncertain);
    for (const source of sources) {
      const idx = items.map((it, i) => (it.source === source ? i : -1)).filter((i) => i >= 0);
      (perSource[source] ??= {})[name] = scoreSystem(
        idx.map((i) => reports[i]),
        idx.map((i) => items[i]),
        uncertain,
      );
    }
  }
  return { systems: out, per_source: perSource };
}
