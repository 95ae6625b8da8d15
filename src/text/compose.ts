// Report composition: writes K different FINDINGS + IMPRESSION reports for one image from its mapped findings,
// using real IU sentences chosen by the labeler (composePools) and the hand-written sentence bank where none
// fits. Every report is labeled again; its asserted findings must equal the image's (parents included).
import bankJson from './data/corpus/sentence_bank.json' with { type: 'json' };
import { ancestorsOf, withAncestors, type FindingKey } from './findings';
import { labelReport } from './labeler';
import { fillTemplate, locationFits, sentenceLocation, type Location } from './composeLocation';
import { TOPIC_RULES, analyseSentence, poolKey, topicsOf, wordCount, type PoolSentence, type SentencePools, type Topic } from './composePools';
import type { Rng } from './composeRng';
import { canonicalText } from './tokenizer';

export class CompositionError extends Error {
  override name = 'CompositionError';
}

export interface ExpressItem {
  findings: FindingKey[]; // the most specific findings the one sentence must assert (parents implied)
  key: string; // sentence_bank.json entry (positive / impression_phrases)
  location: Location;
}

export interface CompositionPlan {
  id: string;
  findings: FindingKey[]; // the image's findings (ancestors implied); ['no_finding'] for a normal image
  express: ExpressItem[];
  impression: Array<{ key: string; location: Location }>;
}

export interface ComposedReport {
  findings: string;
  impression: string;
  text: string;
}

interface Candidate {
  text: string;
  weight: number;
  origin: 'iu' | 'bank';
  negated: FindingKey[];
}

type Bank = typeof bankJson;
const IU_SHARE = 0.75; // chance of a real IU sentence when both IU and bank sentences fit

function hasVariable(template: string): boolean {
  return /\{\w+\}/.test(template);
}

function joinPhrases(phrases: readonly string[]): string {
  if (phrases.length <= 1) return phrases.join('');
  return `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1]}`;
}

export class ReportComposer {
  private readonly positiveCache = new Map<string, Candidate[]>();
  private readonly allowedCache = new Map<string, Array<PoolSentence & { weight: number }>>();
  private readonly normals: Array<PoolSentence & { weight: number }>;
  private readonly slotIndex: Map<string, number>;

  constructor(
    private readonly pools: SentencePools,
    private readonly bank: Bank = bankJson,
    private readonly rules = TOPIC_RULES,
    /** Applied to every bank sentence and impression: the corpus passes cleanReport + canonicalText. */
    private readonly normalise: (text: string) => string = canonicalText,
  ) {
    const bankNormals: PoolSentence[] = Object.values(bank.normal)
      .flat()
      .map((t) => {
        const text = normalise(t);
        const a = analyseSentence(text);
        if (a.asserted.length > 0) throw new CompositionError(`sentence_bank.json normal "${t}" asserts ${a.asserted.join(', ')}`);
        return { text, count: 1, loc: sentenceLocation(text), negated: a.negated, topics: topicsOf(text) as Topic[] };
      });
    const seen = new Set(pools.normal.map((s) => s.text));
    this.normals = [...pools.normal, ...bankNormals.filter((s) => !seen.has(s.text))].map((s) => ({ ...s, weight: Math.sqrt(s.count) }));
    this.slotIndex = new Map(rules.slot_order.map((s, i) => [s, i]));
  }

  /** Sentences that assert exactly `item.findings` (with parents) at `item.location`. */
  positiveCandidates(item: ExpressItem): Candidate[] {
    const cacheKey = `${item.key}|${poolKey(item.findings)}|${item.location.side ?? ''}|${item.location.lobe ?? ''}`;
    const hit = this.positiveCache.get(cacheKey);
    if (hit) return hit;
    const wanted = withAncestors(item.findings).sort().join(',');
    const requireText = (this.bank.iu_require as Record<string, string | undefined>)[item.key];
    const require = requireText ? new RegExp(requireText) : undefined;
    const iu: Candidate[] = (this.pools.positive.get(poolKey(item.findings)) ?? [])
      .filter((s) => (!require || require.test(s.text)) && locationFits(s.loc, item.location))
      .map((s) => ({ text: s.text, weight: Math.sqrt(s.count), origin: 'iu' as const, negated: s.negated }));
    const templates = (this.bank.positive as Record<string, string[] | undefined>)[item.key];
    if (!templates) throw new CompositionError(`sentence_bank.json has no positive sentences for "${item.key}"`);
    const bank: Candidate[] = [];
    for (const t of templates) {
      const filled = fillTemplate(t, item.location);
      if (filled === undefined) continue;
      const text = this.normalise(filled);
      if (!locationFits(sentenceLocation(text), item.location)) continue;
      const a = analyseSentence(text);
      if (a.uncertain.length > 0 || a.asserted.sort().join(',') !== wanted) {
        throw new CompositionError(
          `sentence_bank.json positive "${item.key}" sentence "${text}" is labeled [${a.asserted.join(', ')}], expected [${wanted}]; reword it`,
        );
      }
      bank.push({ text, weight: 1, origin: 'bank', negated: a.negated });
    }
    const out = [...iu, ...bank];
    this.positiveCache.set(cacheKey, out);
    return out;
  }

  private pickPositive(item: ExpressItem, rng: Rng, used: Set<string>, closure: Set<FindingKey>, planId: string): string {
    // A sentence may not deny another finding of the image ("hyperinflated, without effusion" beside an effusion).
    const all = this.positiveCandidates(item).filter((c) => !used.has(c.text) && !c.negated.some((f) => closure.has(f)));
    if (all.length === 0) {
      throw new CompositionError(
        `${planId}: no sentence asserts ${item.findings.join('+')} (${item.key}) at ${JSON.stringify(item.location)}; add one to sentence_bank.json`,
      );
    }
    const iu = all.filter((c) => c.origin === 'iu');
    const bank = all.filter((c) => c.origin === 'bank');
    const from = iu.length > 0 && (bank.length === 0 || rng.chance(IU_SHARE)) ? iu : bank;
    return rng.pickWeighted(from, (c) => c.weight).text;
  }

  private slotOfFinding(f: FindingKey): number {
    const slots = this.rules.finding_slots as Record<string, string | undefined>;
    for (const a of ancestorsOf(f)) {
      const s = slots[a];
      if (s !== undefined) return this.slotIndex.get(s) ?? 0;
    }
    return this.slotIndex.get(this.rules.default_slot) ?? 0;
  }

  private impressionText(plan: CompositionPlan, rng: Rng): string {
    if (plan.impression.length === 0) {
      const iu = this.pools.normalImpressions;
      if (iu.length > 0 && rng.chance(IU_SHARE)) return rng.pickWeighted(iu, (s) => Math.sqrt(s.count)).text;
      return this.normalise(rng.pick(this.bank.impression_templates.normal));
    }
    const phrases = plan.impression.map(({ key, location }) => {
      const templates = (this.bank.impression_phrases as Record<string, string[] | undefined>)[key];
      if (!templates) throw new CompositionError(`sentence_bank.json has no impression phrases for "${key}"`);
      const fits = templates
        .filter((t) => hasVariable(t) === (location.side !== undefined))
        .map((t) => fillTemplate(t, location))
        .filter((t): t is string => t !== undefined);
      const usable = fits.length > 0 ? fits : templates.filter((t) => !hasVariable(t));
      if (usable.length === 0) throw new CompositionError(`no impression phrase for "${key}" at ${JSON.stringify(location)}`);
      return rng.pick(usable);
    });
    const hedged = phrases.some((p) => /\b(?:consistent|compatible) with\b|\bpattern\b/.test(p));
    const template = hedged ? '{phrases}.' : rng.pick(this.bank.impression_templates.abnormal);
    return this.normalise(template.replace('{phrases}', joinPhrases(phrases)));
  }

  /** Normal statements that neither touch a blocked topic nor deny a finding of the image (cached per finding set). */
  private allowedNormals(closure: Set<FindingKey>, blocked: Set<string>): Array<PoolSentence & { weight: number }> {
    const key = [...closure].sort().join(',');
    let hit = this.allowedCache.get(key);
    if (!hit) {
      hit = this.normals.filter((s) => !s.topics.some((t) => blocked.has(t)) && !s.negated.some((f) => closure.has(f)));
      this.allowedCache.set(key, hit);
    }
    return hit;
  }

  /** One report; deterministic for the rng state. */
  composeOne(plan: CompositionPlan, rng: Rng): ComposedReport {
    const closure = new Set(withAncestors(plan.findings.filter((f) => f !== 'no_finding')));
    const blocked = new Set<string>();
    for (const [topic, by] of Object.entries(this.rules.blocked_by)) if (by.some((f) => closure.has(f as FindingKey))) blocked.add(topic);
    const allowed = this.allowedNormals(closure, blocked);

    const used = new Set<string>();
    const parts: Array<{ text: string; slot: number; optional: boolean }> = [];
    for (const item of plan.express) {
      const text = this.pickPositive(item, rng, used, closure, plan.id);
      used.add(text);
      parts.push({ text, slot: Math.min(...item.findings.map((f) => this.slotOfFinding(f))), optional: false });
    }
    const covered = new Set<string>();
    const addNormal = (topic: string, optional: boolean): void => {
      if (covered.has(topic) || blocked.has(topic)) return;
      const fits = allowed.filter((s) => s.topics.includes(topic as Topic) && !s.topics.some((t) => covered.has(t)) && !used.has(s.text));
      if (fits.length === 0) return;
      const s = rng.pickWeighted(fits, (x) => x.weight);
      used.add(s.text);
      s.topics.forEach((t) => covered.add(t));
      const slot = Math.min(...s.topics.map((t) => this.slotIndex.get(t) ?? 0));
      parts.push({ text: s.text, slot, optional });
    };
    for (const topic of rng.shuffle(this.rules.core)) addNormal(topic, false);
    for (const topic of this.rules.optional) if (rng.chance(this.rules.optional_probability)) addNormal(topic, true);

    const impression = this.impressionText(plan, rng);
    const order = rng.shuffle(parts).sort((a, b) => a.slot - b.slot);
    const words = (): number => wordCount(order.map((p) => p.text).join(' ')) + wordCount(impression);
    if (words() < this.rules.min_words) {
      for (const topic of this.rules.optional) addNormal(topic, true);
      const added = parts.filter((p) => !order.includes(p));
      for (const p of added) order.push(p);
      order.sort((a, b) => a.slot - b.slot);
    }
    while (words() > this.rules.max_words && order.some((p) => p.optional))
      order.splice(
        order.findIndex((p) => p.optional),
        1,
      );
    const findings = order.map((p) => p.text).join(' ');
    return { findings, impression, text: `${findings} ${impression}` };
  }

  /** K reports, distinct where the pools allow; each checked against the plan. */
  compose(plan: CompositionPlan, k: number, rng: Rng): ComposedReport[] {
    const out: ComposedReport[] = [];
    const seen = new Set<string>();
    for (let attempt = 0; attempt < k * 8 && out.length < k; attempt++) {
      const r = this.composeOne(plan, rng);
      if (seen.has(r.text)) continue;
      seen.add(r.text);
      out.push(r);
    }
    for (let i = 0; out.length < k; i++) out.push(out[i % Math.max(1, seen.size)]);
    for (const r of out) checkReport(plan, r);
    return out;
  }
}

/**
 * The invariant: the labeler's positive+uncertain findings of the report equal the plan's (parents included),
 * and no sentence denies one of them.
 */
export function checkReport(plan: CompositionPlan, report: ComposedReport): void {
  const { findings, mentions } = labelReport(report.text);
  const asserted = Object.entries(findings)
    .filter(([k, s]) => k !== 'no_finding' && s !== 'negative')
    .map(([k]) => k)
    .sort();
  const expected = withAncestors(plan.findings.filter((f) => f !== 'no_finding')).sort();
  if (asserted.join(',') !== expected.join(',')) {
    throw new CompositionError(
      `${plan.id}: composed report asserts [${asserted.join(', ')}] but the image's findings are [${expected.join(', ')}]: "${report.text}"`,
    );
  }
  const denied = mentions.find((m) => m.status === 'negative' && expected.includes(m.finding));
  if (denied) {
    throw new CompositionError(`${plan.id}: composed report denies ${denied.finding} ("${denied.sentence}"), a finding of the image: "${report.text}"`);
  }
}
