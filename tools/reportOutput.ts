// How `npm run report` prints one result: a JSON object per image (--json) or a readable report, and the
// progress bar it draws on stderr.
import type { ReportResult } from '../src/engine/types';

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export interface ReportJson {
  file: string;
  report: ReportResult['report'];
  candidates: { text: string; logp: number; length_norm_logp: number; similarity: number; score: number; chosen: boolean }[];
  rerank_changed_choice: boolean;
  tokens: { text: string; grounding: number; sentence: number; section: string }[];
  heatmap: { grid: [number, number]; views: number; values: number[][][] }; // [tokens][views][rows*cols]
  ood: ReportResult['ood'];
  warnings: string[];
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
      chosen: c.chosen,
    })),
    rerank_changed_choice: r.rerankChangedChoice,
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
  const changed = r.rerankChangedChoice ? ', rerank changed the choice' : '';
  lines.push(`candidates (score = logp/|c|^${r.settings.alpha} + ${r.settings.beta}·similarity + ${r.settings.consensus ?? 0}·agreement)${changed}:`);
  for (const c of r.candidates) {
    lines.push(
      `  ${c.chosen ? '*' : ' '} score ${c.score.toFixed(3)}  logp ${c.logp.toFixed(2)}  sim ${c.similarity.toFixed(3)}  agree ${c.agreement.toFixed(2)}  ${c.text}`,
    );
  }
  return lines.join('\n');
}

export function progressBar(done: number, total: number, label: string, width = 24): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
}
