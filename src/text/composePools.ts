// Sentence pools for report composition, built from real IU X-ray reports with the finding labeler:
// positive sentences per finding (assert exactly one finding, nothing uncertain), normal statements per
// anatomy topic (negative-only), and normal impressions. Rules in data/corpus/normal_topics.json.
import topicsJson from './data/corpus/normal_topics.json' with { type: 'json' };
import { FINDING_KEYS, type FindingKey } from './findings';
import { aggregateMentions, labelSentence, type Mention } from './labeler';
import { sentenceLocation, type SentenceLocation } from './composeLocation';
import { splitSentences } from './sentences';
import { canonicalText, preTokenize, isPunctuation } from './tokenizer';

export type Topic = keyof typeof topicsJson.topics;
export const TOPIC_RULES = topicsJson;
const TOPIC_RES = Object.entries(topicsJson.topics).map(([t, re]) => [t as Topic, new RegExp(re)] as const);
const REJECT_NORMAL = new RegExp(topicsJson.reject);
const REJECT_POSITIVE = new RegExp(topicsJson.reject_positive);
const NORMAL_WORDS = /\b(?:normal|clear|unremarkable|intact|within normal limits|no|negative|expanded|well)\b/;
const NORMAL_IMPRESSION = new RegExp(topicsJson.normal_impression);

export interface PoolSentence {
  text: string; // canonical (lower-case, tokenizer spacing)
  count: number; // times seen in the source reports
  loc: SentenceLocation;
  negated: FindingKey[]; // findings the sentence states absent
  topics: Topic[]; // anatomy it speaks about
}

/** Pool key of a set of most-specific findings: sorted keys joined by '+'. */
export function poolKey(findings: readonly FindingKey[]): string {
  return [...findings].sort().join('+');
}

export interface SentencePools {
  positive: Map<string, PoolSentence[]>; // by poolKey of the findings the sentence asserts
  normal: PoolSentence[];
  normalImpressions: PoolSentence[];
}

export interface SentenceAnalysis {
  asserted: FindingKey[]; // positive or uncertain, parents included, no_finding excluded
  positive: FindingKey[];
  uncertain: FindingKey[];
  negated: FindingKey[];
}

/** Labeler view of one sentence (or a short text). */
export function analyseSentence(text: string): SentenceAnalysis {
  const mentions: Mention[] = splitSentences(text).flatMap((s) => labelSentence(s));
  const agg = aggregateMentions(mentions);
  const keys = FINDING_KEYS.filter((k) => k !== 'no_finding');
  const negated = [...new Set(mentions.filter((m) => m.status === 'negative').map((m) => m.finding))];
  return {
    asserted: keys.filter((k) => agg[k] !== 'negative'),
    positive: keys.filter((k) => agg[k] === 'positive'),
    uncertain: keys.filter((k) => agg[k] === 'uncertain'),
    negated,
  };
}

export function topicsOf(text: string): Topic[] {
  return TOPIC_RES.filter(([, re]) => re.test(text)).map(([t]) => t);
}

export function wordCount(text: string): number {
  return preTokenize(text).filter((t) => !isPunctuation(t)).length;
}

/** The most specific findings of a set (drop any finding that is an ancestor of another in the set). */
export function mostSpecific(keys: readonly FindingKey[], ancestors: (k: FindingKey) => FindingKey[]): FindingKey[] {
  return keys.filter((k) => !keys.some((o) => o !== k && ancestors(o).includes(k)));
}

function add(map: Map<string, PoolSentence>, text: string, make: () => Omit<PoolSentence, 'count' | 'text'>): void {
  const hit = map.get(text);
  if (hit) hit.count += 1;
  else map.set(text, { text, count: 1, ...make() });
}

export interface IuReportText {
  findings: string;
  impression: string;
}

/** Classify every sentence of the given (train-split) reports. `clean` is the project's report cleaner. */
export function buildPools(reports: readonly IuReportText[], clean: (text: string) => string, ancestors: (k: FindingKey) => FindingKey[]): SentencePools {
  const positive = new Map<string, Map<string, PoolSentence>>();
  const normal = new Map<string, PoolSentence>();
  const impressions = new Map<string, PoolSentence>();
  const analysed = new Map<string, SentenceAnalysis>();
  const analyse = (t: string): SentenceAnalysis => {
    let a = analysed.get(t);
    if (!a) analysed.set(t, (a = analyseSentence(t)));
    return a;
  };
  for (const r of reports) {
    for (const raw of splitSentences(clean(r.findings))) {
      const text = canonicalText(raw).replace(/\.(?: ?\.)+/g, '.');
      const words = wordCount(text);
      if (words < 2 || words > 20 || !/[.]$/.test(text)) continue;
      const a = analyse(text);
      if (a.asserted.length === 0) {
        if (REJECT_NORMAL.test(text) || !NORMAL_WORDS.test(text)) continue;
        const topics = topicsOf(text);
        const loc = sentenceLocation(text);
        if (topics.length === 0 || loc.sides.has('left') || loc.sides.has('right')) continue; // "the right lung is clear"
        add(normal, text, () => ({ loc, negated: a.negated, topics }));
        continue;
      }
      if (a.uncertain.length > 0 || REJECT_POSITIVE.test(text)) continue;
      const specific = mostSpecific(a.positive, ancestors);
      if (specific.length > 2) continue;
      const key = poolKey(specific);
      if (!positive.has(key)) positive.set(key, new Map());
      add(positive.get(key)!, text, () => ({ loc: sentenceLocation(text), negated: a.negated, topics: topicsOf(text) }));
    }
    const imp = canonicalText(clean(r.impression)).replace(/\.(?: ?\.)+/g, '.');
    if (imp.length > 0 && wordCount(imp) <= 10 && NORMAL_IMPRESSION.test(imp) && !REJECT_NORMAL.test(imp) && /[.]$/.test(imp)) {
      const a = analyse(imp);
      if (a.asserted.length === 0) add(impressions, imp, () => ({ loc: sentenceLocation(imp), negated: a.negated, topics: [] }));
    }
  }
  const sorted = (m: Map<string, PoolSentence>): PoolSentence[] => [...m.values()].sort((a, b) => b.count - a.count || (a.text < b.text ? -1 : 1));
  return {
    positive: new Map([...positive.entries()].map(([k, m]) => [k, sorted(m)])),
    normal: sorted(normal),
    normalImpressions: sorted(impressions).filter((s) => s.count >= topicsJson.min_impression_count), // drops one-off typos
  };
}
