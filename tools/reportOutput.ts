// How `npm run report` prints one result: a JSON object per image (--json) or a readable report, and the
// progress bar it draws on stderr.
import type { SubtypeReading } from '../src/engine/subtypeGate';
import type { ReportResult } from '../src/engine/types';

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export interface ReportJson {
  file: string;
  report: ReportResult['report'];
  candidates: {
    text: string;
    logp: number;
    length_norm_logp: number;
    similarity: number;
    score: number;
    findings: string[];
    draws: number;
    vote_support: number;
    chosen: boolean;
  }[];
  rerank_changed_choice: boolean;
  refinement: { finding_sets: number; reader_weight?: number; finding_reader?: Record<string, number>; subtype?: SubtypeReading };
  tokens: { text: string; grounding: number; sentence: number; section: string }[];
  heatmap: { grid: [number, number]; views: number; values: number[][][] }; // [tokens][views][rows*cols]
  ood: ReportResult['ood'];
  warnings: string[];
  draft_views?: number[]; // a study of several images: which were drafted (input order)
  views_note?: string; // and how the views were used
  not_read?: ReportResult['unassessed']; // sentences that rule out a finding the model was not shown to read
  backend: string;
  settings: ReportResult['settings'];
  timings: ReportResult['timings'];
}

export function toJson(file: string, r: ReportResult): ReportJson {
  const { grid, views, values } = r.heatmap;
  const N = grid[0] * grid[1];
  return {
    file,
    report: r.report,
    candidates: r.candidates.map((c) => ({
      text: c.text,
      logp: round(c.logp),
      length_norm_logp: round(c.lengthNormLogp),
      similarity: round(c.similarity),
      score: round(c.score),
      findings: c.findings,
      draws: c.draws,
      vote_support: round(c.support),
      chosen: c.chosen,
    })),
    rerank_changed_choice: r.rerankChangedChoice,
    refinement: {
      finding_sets: r.refinement.findingSets,
      ...(r.refinement.reading
        ? {
            reader_weight: r.refinement.readerWeight ?? 0,
            finding_reader: Object.fromEntries(Object.entries(r.refinement.reading).map(([f, p]) => [f, round(p)])),
          }
        : {}),
      ...(r.refinement.subtype ? { subtype: { ...r.refinement.subtype, bacterial: round(r.refinement.subtype.bacterial) } } : {}),
    },
    tokens: r.tokens.map((t) => ({ text: t.text, grounding: round(t.grounding), sentence: t.sentence, section: t.section })),
    heatmap: {
      grid,
      views,
      values: r.tokens.map((_, t) =>
        Array.from({ length: views }, (_, v) => Array.from(values.subarray((t * views + v) * N, (t * views + v + 1) * N), (x) => round(x))),
      ),
    },
    ood: {
      ...r.ood,
      score: round(r.ood.score),
      threshold: round(r.ood.threshold),
      detector: r.ood.detector && { logits: r.ood.detector.logits.map((x) => round(x)), threshold: round(r.ood.detector.threshold) },
    },
    warnings: r.warnings,
    ...(r.draftViews && r.views && r.views.length > 1 ? { draft_views: r.draftViews } : {}),
    ...(r.viewsNote ? { views_note: r.viewsNote } : {}),
    ...(r.unassessed ? { not_read: r.unassessed } : {}),
    backend: r.backend,
    settings: r.settings,
    timings: {
      encode_ms: round(r.timings.encode_ms, 1),
      decode_ms: round(r.timings.decode_ms, 1),
      total_ms: round(r.timings.total_ms, 1),
      decoder: { ...r.timings.decoder, run_ms: round(r.timings.decoder.run_ms, 1) },
    },
  };
}

export function toText(file: string, r: ReportResult): string {
  const lines = [`== ${file}  (${r.backend}, ${r.timings.total_ms.toFixed(0)} ms)`];
  lines.push(`FINDINGS: ${r.report.findings || '(none)'}`);
  lines.push(`IMPRESSION: ${r.report.impression || '(none)'}`);
  for (const w of r.warnings) lines.push(`WARNING: ${w}`);
  if (r.viewsNote && !r.warnings.includes(r.viewsNote)) lines.push(`VIEWS: ${r.viewsNote}`);
  for (const s of r.unassessed?.statements ?? [])
    lines.push(`NOT READ: sentence ${s.sentence + 1} rules out ${s.findings.join(', ')}, which this model was not shown to read`);
  const changed = r.rerankChangedChoice ? ', rerank changed the choice' : '';
  const tau = r.settings.vote_threshold ?? 0;
  const w = r.refinement.reading ? (r.refinement.readerWeight ?? 0) : 0;
  const vote = w > 0 ? `${round(1 - w, 3)}·share of draws + ${w}·finding reader` : 'share of draws'; // 1 − 0.7 prints 0.3, not 0.30000000000000004
  lines.push(
    tau > 0
      ? `candidates (finding votes: score = Σ over its findings of (${vote} − ${tau}) + ${r.settings.beta}·best similarity of its finding set)${changed}:`
      : `candidates (score = logp/|c|^${r.settings.alpha} + ${r.settings.beta}·similarity + ${r.settings.consensus ?? 0}·agreement)${changed}:`,
  );
  for (const c of r.candidates) {
    lines.push(
      `  ${c.chosen ? '*' : ' '} score ${c.score.toFixed(3)}  logp ${c.logp.toFixed(2)}  sim ${c.similarity.toFixed(3)}  agree ${c.agreement.toFixed(2)}  ` +
        `[${c.findings.join(', ') || 'no findings'}]  ${c.text}`,
    );
  }
  const reading = Object.entries(r.refinement.reading ?? {});
  if (reading.length) lines.push(`finding reader (weight ${w}): ${reading.map(([f, p]) => `${f} ${(100 * p).toFixed(0)} %`).join(', ')}`);
  const subtype = r.refinement.subtype;
  if (subtype) {
    const read = subtype.allowed ? `backs ${subtype.allowed}${subtype.named ? ' (its word put into the draft)' : ''}` : 'backs neither';
    lines.push(`pneumonia type (${subtype.feature ?? 'probe'}): P(bacterial) ${subtype.bacterial.toFixed(2)}, margin ±${subtype.margin}: ${read}`);
  }
  return lines.join('\n');
}

export function progressBar(done: number, total: number, label: string, width = 24): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
}
