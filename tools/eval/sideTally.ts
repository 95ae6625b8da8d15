// Does a draft put a finding on the right side? For every eval image whose source says where a finding is (a JSRT
// nodule's side and lobe, the side of an NIH box, the COVID-19 pattern and viral pneumonia as bilateral; the
// corpus builder's own composition plan, src/text/composeMapping.ts), the draft's mentions that assert the finding
// (a descendant counts) are read for the side and lobe the labeler finds beside them. Each image lands in one of:
// not asserted, asserted without a side, the right side, the wrong side. A wrong side is the error a reader of a
// signed report can least afford, so it is counted apart from omission and hallucination.
import { planFor, type ManifestRow } from '../../src/text/composeMapping';
import type { Side as LocationSide } from '../../src/text/composeLocation';
import { ancestorsOf, type FindingKey } from '../../src/text/findings';
import { labelReport, type Mention } from '../../src/text/labeler';
import type { ManifestRecord } from './manifest';

export type SideVerdict = 'not_asserted' | 'no_side' | 'right_side' | 'wrong_side';
export const SIDE_VERDICTS: readonly SideVerdict[] = ['not_asserted', 'no_side', 'right_side', 'wrong_side'];

export interface TruthSide {
  finding: FindingKey;
  side: LocationSide;
  lobe?: 'upper' | 'middle' | 'lower';
}

export interface SideCounts {
  n: number;
  not_asserted: number;
  no_side: number;
  right_side: number;
  wrong_side: number;
  lobe_named: number; // right-side mentions that also name a lobe, where the truth has one
  lobe_right: number;
}

export interface SideSummary {
  by_finding: Record<string, SideCounts>; // key: `${source}:${finding}`
  wrong_share_of_sided: number; // wrong / (right + wrong) over every row; NaN when no draft named a side
  examples: Array<{ id: string; finding: string; truth: string; said: string; verdict: 'right_side' | 'wrong_side' }>; // wrong sides first
}

/** Where the image's source says its findings are: one entry per finding the composition plan places on a side. */
export function truthSides(rec: ManifestRecord): TruthSide[] {
  const out: TruthSide[] = [];
  for (const item of planFor(rec as ManifestRow).express) {
    const { side, lobe } = item.location;
    if (side === undefined) continue;
    for (const finding of item.findings) {
      if (out.some((t) => t.finding === finding)) continue;
      out.push(lobe === undefined ? { finding, side } : { finding, side, lobe });
    }
  }
  return out;
}

const LOBE_CODE: Record<string, string> = { upper: 'U', middle: 'M', lower: 'L' };

/** One truth entry against a report's mentions. */
export function sideVerdict(truth: TruthSide, mentions: readonly Mention[]): { verdict: SideVerdict; said: string; lobe?: boolean } {
  const asserted = mentions.filter((m) => m.status !== 'negative' && ancestorsOf(m.finding).includes(truth.finding));
  if (asserted.length === 0) return { verdict: 'not_asserted', said: '' };
  const sides = new Set(asserted.map((m) => m.side).filter((s) => s !== undefined));
  if (sides.size === 0) return { verdict: 'no_side', said: 'no side' };
  const named = sides.has('bilateral') || (sides.has('left') && sides.has('right')) ? 'bilateral' : [...sides][0];
  if (named !== truth.side) return { verdict: 'wrong_side', said: named };
  const lobes = asserted.map((m) => m.lobe).filter((l) => l !== undefined);
  if (truth.lobe === undefined || lobes.length === 0) return { verdict: 'right_side', said: named };
  const code = `${truth.side === 'left' ? 'L' : 'R'}${LOBE_CODE[truth.lobe]}L`;
  return { verdict: 'right_side', said: `${named} ${lobes.join('/')}`, lobe: lobes.every((l) => l === code) };
}

const empty = (): SideCounts => ({ n: 0, not_asserted: 0, no_side: 0, right_side: 0, wrong_side: 0, lobe_named: 0, lobe_right: 0 });

export class SideTally {
  private counts: Record<string, SideCounts> = {};
  private examples: SideSummary['examples'] = [];

  /** Adds one image's draft; returns its verdicts (for per-image output). */
  add(rec: ManifestRecord, reportText: string): SideVerdict[] {
    const mentions = labelReport(reportText).mentions;
    return truthSides(rec).map((truth) => {
      const v = sideVerdict(truth, mentions);
      const c = (this.counts[`${rec.source}:${truth.finding}`] ??= empty());
      c.n++;
      c[v.verdict]++;
      if (v.lobe !== undefined) {
        c.lobe_named++;
        if (v.lobe) c.lobe_right++;
      }
      if (v.verdict === 'wrong_side' || v.verdict === 'right_side') {
        const truthText = truth.lobe ? `${truth.side} ${truth.lobe}` : truth.side;
        this.examples.push({ id: rec.id, finding: truth.finding, truth: truthText, said: v.said, verdict: v.verdict });
      }
      return v.verdict;
    });
  }

  summary(examples = 6): SideSummary {
    const rows = Object.values(this.counts);
    const right = rows.reduce((a, c) => a + c.right_side, 0);
    const wrong = rows.reduce((a, c) => a + c.wrong_side, 0);
    return {
      by_finding: this.counts,
      wrong_share_of_sided: right + wrong > 0 ? wrong / (right + wrong) : Number.NaN,
      examples: [...this.examples.filter((e) => e.verdict === 'wrong_side'), ...this.examples.filter((e) => e.verdict === 'right_side')].slice(0, examples),
    };
  }
}

/** One tally per system over the same images (texts[i] is the report of records[i]); systems with no image that has a
 *  truth side are left out. */
export function sideSummaries(reports: Record<string, readonly string[] | undefined>, records: readonly ManifestRecord[]): Record<string, SideSummary> {
  const sided = records.flatMap((r, i) => (truthSides(r).length ? [i] : []));
  if (sided.length === 0) return {};
  const out: Record<string, SideSummary> = {};
  for (const [name, texts] of Object.entries(reports)) {
    if (!texts) continue;
    const tally = new SideTally();
    for (const i of sided) tally.add(records[i], texts[i]);
    out[name] = tally.summary();
  }
  return out;
}

export interface SideGateChoice {
  finding: string;
  sided: number; // drafts that named a side for it
  right_side: number;
  right_share: number; // NaN when none named a side
  gated: boolean;
}

/** Which findings' sides the drafts should leave out: those the drafts named a side for at least `minSided` times and
 *  put on the right side less than `minRight` of those times (counts summed over sources). A finding with fewer
 *  sided drafts is not judged: no evidence either way. */
export function chooseSideGate(summary: SideSummary, minRight: number, minSided: number): SideGateChoice[] {
  const byFinding = new Map<string, { sided: number; right: number }>();
  for (const [key, c] of Object.entries(summary.by_finding)) {
    const finding = key.slice(key.indexOf(':') + 1);
    const t = byFinding.get(finding) ?? { sided: 0, right: 0 };
    t.sided += c.right_side + c.wrong_side;
    t.right += c.right_side;
    byFinding.set(finding, t);
  }
  return [...byFinding.entries()].map(([finding, t]) => {
    const share = t.sided > 0 ? t.right / t.sided : Number.NaN;
    return { finding, sided: t.sided, right_side: t.right, right_share: share, gated: t.sided >= minSided && share < minRight };
  });
}
