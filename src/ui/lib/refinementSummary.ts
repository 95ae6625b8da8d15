// What the self-refinement weighed, in words a radiologist reads: each candidate's findings against the draft's
// (shared, only here, missing here), how many candidates assert each finding, and why the draft won (language-model
// score against image–text similarity and the candidates' agreement on findings, or, under finding votes, how many
// draws back each finding). Pure functions over a ReportResult; the panel only draws them.
import type { SecondLook } from '../../engine/manifest';
import { leftOutFindings, type LeftOutFinding } from '../../engine/secondLook';
import type { Candidate, ReportResult } from '../../engine/types';
import { FINDING_NAMES, isFindingKey } from '../../text/findings';
import { formatScore } from './format';

export interface FindingMarks {
  shared: string[]; // asserted here and in the draft
  extra: string[]; // asserted here, not in the draft
  missing: string[]; // in the draft, not asserted here
}

export interface TallyLine {
  finding: string; // display name
  count: number; // candidates asserting it
  total: number;
  draws: number; // search rows whose candidate asserts it (a repeated sample counts each time)
  totalDraws: number;
  inDraft: boolean;
  reader?: number; // the finding reader's P(f | film), when the model has one
}

export function findingName(key: string): string {
  return isFindingKey(key) ? FINDING_NAMES[key] : key;
}

/** A candidate's findings marked against the chosen candidate's, as display names. */
export function markFindings(candidate: Pick<Candidate, 'findings'>, chosen: Pick<Candidate, 'findings'>): FindingMarks {
  const mine = new Set(candidate.findings);
  const draft = new Set(chosen.findings);
  return {
    shared: candidate.findings.filter((f) => draft.has(f)).map(findingName),
    extra: candidate.findings.filter((f) => !draft.has(f)).map(findingName),
    missing: chosen.findings.filter((f) => !mine.has(f)).map(findingName),
  };
}

/** Search rows behind these candidates (a sample that repeats a candidate is one more draw). */
const drawsOf = (cs: readonly Candidate[]): number => cs.reduce((sum, c) => sum + (c.draws ?? 1), 0);

const isNormal = (c: Pick<Candidate, 'findings'>): boolean => c.findings.every((f) => f === 'no_finding');

/** The finding reader's P(f | film) for one finding, as an optional field. */
function readerOf(result: ReportResult, key: string): { reader?: number } {
  const p = result.refinement.reading?.[key];
  return p !== undefined ? { reader: p } : {};
}

/** A probability as a reader reads it: whole percent, and never a certainty the reader does not have (> 99 %, < 1 %). */
export function readerPercent(p: number): string {
  if (p > 0.99) return '> 99 %';
  if (p < 0.01) return '< 1 %';
  return `${Math.round(100 * p)} %`;
}

/** One finding the self-refinement left out, with its evidence: "Nodule (2 of 5 draws; the finding reader 42 %)". */
export function leftOutLabel(f: LeftOutFinding): string {
  return `${findingName(f.finding)} (${f.draws} of ${f.totalDraws} draws${f.reader !== undefined ? `; the finding reader ${readerPercent(f.reader)}` : ''})`;
}

/** How often the validation films' flags of these same findings were right, from the rule's per-finding record:
 *  "Nodule: present in 1 of its 3 flags". Null for a record without it. */
export function flagRecordLine(left: readonly LeftOutFinding[], rule: Pick<SecondLook, 'by_finding'>): string | null {
  const byFinding = rule.by_finding;
  if (!byFinding || left.length === 0) return null;
  const parts = left.map((f) => {
    const c = byFinding[f.finding];
    if (!c || c.flagged === 0) return `${findingName(f.finding)}: never flagged there`;
    return `${findingName(f.finding)}: present in ${c.present} of its ${c.flagged} flag${c.flagged === 1 ? '' : 's'}`;
  });
  return `${parts.join('; ')}.`;
}

/** The findings left out of the draft that the model's second-look rule flags (none without a rule). */
export function secondLookFindings(result: ReportResult, rule: Pick<SecondLook, 'min_draws' | 'min_reader'> | undefined): LeftOutFinding[] {
  const chosen = result.candidates.find((c) => c.chosen) ?? result.candidates[0];
  return rule && chosen ? leftOutFindings(result.candidates, chosen.findings, result.refinement.reading, rule) : [];
}

/** Per finding, how many candidates assert it; candidates that assert none count under "No finding", so a normal
 *  alternative is visible too. */
export function tallyLines(result: ReportResult): TallyLine[] {
  const chosen = result.candidates.find((c) => c.chosen) ?? result.candidates[0];
  const draft = new Set(chosen?.findings ?? []);
  const total = result.candidates.length;
  const totalDraws = drawsOf(result.candidates);
  const lines = result.refinement.tally
    .filter((t) => t.finding !== 'no_finding')
    .map((t) => ({
      finding: findingName(t.finding),
      count: t.candidates,
      total,
      draws: drawsOf(result.candidates.filter((c) => c.findings.includes(t.finding))),
      totalDraws,
      inDraft: draft.has(t.finding),
      ...readerOf(result, t.finding),
    }));
  const normal = result.candidates.filter(isNormal);
  if (normal.length > 0 && lines.length > 0)
    lines.push({ finding: 'No finding', count: normal.length, total, draws: drawsOf(normal), totalDraws, inDraft: !!chosen && isNormal(chosen) });
  return lines;
}

/** One or two sentences: what the alternatives were and why the draft was chosen. */
export function whyChosen(result: ReportResult): string {
  const { candidates, settings, refinement } = result;
  const n = candidates.length;
  if (n <= 1 && (settings.samples ?? 0) > 0)
    return `One candidate: all ${settings.samples} samples repeated the draft word for word, so the model is sure of this reading.`;
  if (n <= 1)
    return (
      'One candidate (the greedy draft): nothing to weigh. To see what else the model considers, add sampled alternatives ' +
      '(they differ in findings where the model is unsure) or widen the beam, and re-run.'
    );
  const sets = refinement.findingSets;
  const alternatives =
    sets === 1
      ? `All ${n} candidates assert the same findings; they differ in wording only.`
      : `The ${n} candidates assert ${sets} different sets of findings.`;
  const chosenIndex = Math.max(
    0,
    candidates.findIndex((c) => c.chosen),
  ); // best first: the draft leads
  const chosen = candidates[chosenIndex];
  const lm = candidates[refinement.lmChoice];
  const consensus = settings.consensus ?? 0;
  if ((settings.vote_threshold ?? 0) > 0) return `${alternatives} ${whyVoted(result, chosen, lm, chosenIndex)}`;
  if (settings.beta === 0 && consensus === 0) return `${alternatives} β = γ = 0: the draft is the language model’s best candidate (no re-rank).`;
  if (!result.rerankChangedChoice) {
    const runnerUp = candidates.find((c) => !c.chosen);
    const margin = runnerUp
      ? ` It also has ${chosen.similarity >= runnerUp.similarity ? 'the higher' : 'a lower'} image–text similarity than the next candidate ` +
        `(${formatScore(chosen.similarity)} vs ${formatScore(runnerUp.similarity)}).`
      : '';
    return `${alternatives} The draft is the language model’s best candidate (LM score ${formatScore(chosen.lengthNormLogp)}).${margin}`;
  }
  const lmLoss = lm.lengthNormLogp - chosen.lengthNormLogp;
  const simGain = chosen.similarity - lm.similarity;
  const agreeGain = chosen.agreement - lm.agreement;
  const reasons: string[] = [];
  if (settings.beta !== 0 && simGain !== 0)
    reasons.push(
      `${simGain > 0 ? 'fits the image better' : 'fits the image less well'} (similarity ${formatScore(chosen.similarity)} vs ${formatScore(lm.similarity)})`,
    );
  if (consensus !== 0 && agreeGain !== 0)
    reasons.push(
      `${agreeGain > 0 ? 'asserts what more of the other candidates assert' : 'agrees less with the other candidates'} ` +
        `(agreement on findings ${formatScore(chosen.agreement)} vs ${formatScore(lm.agreement)})`,
    );
  const terms = [
    settings.beta !== 0 ? `β = ${settings.beta} × ${formatScore(simGain)}` : '',
    consensus !== 0 ? `γ = ${consensus} × ${formatScore(agreeGain)}` : '',
  ]
    .filter(Boolean)
    .join(' + ');
  return (
    `${alternatives} The re-rank changed the choice: the language model alone preferred candidate ${refinement.lmChoice + 1} ` +
    `(LM score ${formatScore(lm.lengthNormLogp)} vs ${formatScore(chosen.lengthNormLogp)}), but candidate ${chosenIndex + 1} ${reasons.join(' and ')}; ` +
    `${terms} outweighs ${formatScore(lmLoss)}.`
  );
}

/** Under finding votes: which findings the draws backed, and what the similarity paid for. A changed choice is
 *  always another finding set (the LM orders the candidates within a set). */
function whyVoted(result: ReportResult, chosen: Candidate, lm: Candidate, chosenIndex: number): string {
  const { candidates, settings, refinement } = result;
  const totalDraws = drawsOf(candidates);
  const w = refinement.reading ? (refinement.readerWeight ?? 0) : 0;
  const backing = (key: string) => {
    const draws = `${drawsOf(candidates.filter((c) => c.findings.includes(key)))} of ${totalDraws} draws`;
    const p = readerOf(result, key).reader;
    return w > 0 && p !== undefined ? `${draws}; the finding reader ${readerPercent(p)}` : draws;
  };
  const tau = Math.round(100 * (settings.vote_threshold ?? 0));
  const rule =
    w > 0
      ? `A finding enters the draft when its vote, ${formatScore(1 - w, 2)} × the share of draws that assert it + ${formatScore(w, 2)} × the finding reader’s probability from the film, is above ${tau} %, or when the image–text similarity (β = ${settings.beta}) pays for it.`
      : `A finding enters the draft when more than ${tau} % of the draws assert it, or when the image–text similarity (β = ${settings.beta}) pays for it.`;
  if (!result.rerankChangedChoice)
    return `${rule} The language model’s best candidate passes: its findings score ${formatScore(chosen.score)} (votes ${formatScore(chosen.support)}, similarity ${formatScore(chosen.similarity)}).`;
  const changes = [
    ...lm.findings.filter((f) => !chosen.findings.includes(f)).map((f) => `drops ${findingName(f)} (asserted by ${backing(f)})`),
    ...chosen.findings.filter((f) => !lm.findings.includes(f)).map((f) => `adds ${findingName(f)} (asserted by ${backing(f)})`),
  ];
  return (
    `${rule} The re-rank changed the choice: the language model alone preferred candidate ${refinement.lmChoice + 1}; ` +
    `candidate ${chosenIndex + 1} ${changes.join(', ')}. Its findings score ${formatScore(chosen.score)} against ${formatScore(lm.score)} ` +
    `(votes ${formatScore(chosen.support)} vs ${formatScore(lm.support)}, similarity ${formatScore(chosen.similarity)} vs ${formatScore(lm.similarity)}).`
  );
}

/** What the pneumonia-subtype gate read and let the draft say, when the model has the gate and a candidate asserts
 *  pneumonia; null otherwise (the reading says nothing about a film no candidate calls pneumonia). */
export function subtypeLine(result: Pick<ReportResult, 'refinement' | 'candidates'>): string | null {
  const reading = result.refinement.subtype;
  if (!reading || !result.candidates.some((c) => c.findings.includes('pneumonia'))) return null;
  const p = `P(bacterial) ${reading.bacterial.toFixed(2)}`;
  const onReader = reading.feature === 'image_reader';
  const who = onReader ? 'the image reader (a second network that reads the film)' : 'the image probe';
  const it = onReader ? 'the image reader' : 'the probe';
  if (reading.allowed) {
    const other = reading.allowed === 'bacterial' ? 'viral' : 'bacterial';
    const read = `Pneumonia type: ${who} reads ${reading.allowed} (${p}, beyond its ±${reading.margin} margin)`;
    if (reading.named)
      return `${read}, so the draft calls it ${reading.allowed}, a word ${it} put in where the language model wrote no type, and never ${other}.`;
    if (reading.patternDisagrees)
      return `${read}, but the draft describes ${reading.allowed === 'bacterial' ? 'an interstitial pattern' : 'a consolidation'}, which reads ${other}, so the draft names neither type.`;
    return `${read}, so the draft may call it ${reading.allowed} and never ${other}.`;
  }
  return `Pneumonia type: ${who} is unsure (${p}, within ±${reading.margin} of even), so the draft names neither bacterial nor viral.`;
}

/** What the side gate took out of the draft, and why, when it took something out; null otherwise. */
export function sideGateLine(result: Pick<ReportResult, 'refinement'>): string | null {
  const gate = result.refinement.sideGate;
  if (!gate?.removed) return null;
  const names = gate.findings.map((f) => findingName(f).toLowerCase()).join(' or ');
  const measured = gate.measured.map((m) => `${findingName(m.finding).toLowerCase()}: right side in ${m.right} of ${m.sided} ${m.split} drafts that named one`);
  return (
    `Side left out: the draft does not say on which side the ${names} is, because this model's drafts put it on the wrong side too often` +
    `${measured.length ? ` (${measured.join('; ')})` : ''}. Read the side from the film.`
  );
}
