// Findings the self-refinement left out of the draft although the search backed them: at least `min_draws` of the
// draws assert it, or the finding reader gives it at least `min_reader`. The votes drop such findings on purpose
// (they lower hallucination), and the eval shows the cost: more true findings omitted. The page lists them for a
// second look; `npm run sweep-rerank` measures, on val, how often findings this rule flags were present.
import type { SecondLook } from './manifest';
import type { Candidate } from './types';
import { isFindingKey, withAncestors } from '../text/findings';

export interface LeftOutFinding {
  finding: string; // finding key
  draws: number; // draws whose candidate asserts it
  totalDraws: number;
  reader?: number; // the finding reader's P(f | film)
}

/** The flagged findings, most backed first. A finding whose more specific finding is flagged too (lung lesion beside
 *  nodule) is left out: the specific one says it. */
export function leftOutFindings(
  candidates: readonly Pick<Candidate, 'findings' | 'draws'>[],
  draft: readonly string[],
  reading: Readonly<Record<string, number>> | undefined,
  rule: Pick<SecondLook, 'min_draws' | 'min_reader'>,
): LeftOutFinding[] {
  const inDraft = new Set(draft);
  const totalDraws = candidates.reduce((sum, c) => sum + (c.draws ?? 1), 0);
  const asserted = new Set(candidates.flatMap((c) => c.findings));
  const flagged: LeftOutFinding[] = [];
  for (const finding of asserted) {
    if (finding === 'no_finding' || inDraft.has(finding)) continue;
    const draws = candidates.filter((c) => c.findings.includes(finding)).reduce((sum, c) => sum + (c.draws ?? 1), 0);
    const reader = reading?.[finding];
    if (draws >= rule.min_draws || (reader ?? 0) >= rule.min_reader) flagged.push({ finding, draws, totalDraws, ...(reader !== undefined ? { reader } : {}) });
  }
  const keys = flagged.map((f) => f.finding).filter(isFindingKey);
  const broader = new Set<string>(keys.flatMap((k) => withAncestors([k]).filter((a) => a !== k)));
  return flagged.filter((f) => !broader.has(f.finding)).sort((a, b) => b.draws - a.draws || (b.reader ?? 0) - (a.reader ?? 0));
}
