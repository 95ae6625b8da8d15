// Corpus statistics: images per split and source, vocabulary, report lengths, truncation, finding counts;
// and their printed summary.
import { FINDING_KEYS, FINDING_NAMES } from '../../src/text/findings';
import { wordCount } from '../../src/text/composePools';
import { SPLITS } from './config';
import type { CorpusItem } from './build';

export interface Summary {
  mean: number;
  p95: number;
  max: number;
}

export interface CorpusStats {
  seconds: number;
  composeSeconds: number;
  studies: number;
  pixelRows: number;
  perSplitSource: Record<string, Record<string, number>>; // split → source → studies
  vocabSize: number;
  maxLength: number;
  tokens: Summary; // per report incl. [BOS] [SEP] [EOS]
  words: Summary;
  truncated: number;
  reports: number;
  uniqueReportShare: number; // distinct report texts / reports (per study, averaged)
  unknownTokens: number;
  findingCounts: Record<string, Record<string, number>>; // split → finding name → studies
}

export function summarise(values: readonly number[]): Summary {
  if (values.length === 0) return { mean: 0, p95: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { mean: Math.round(mean * 10) / 10, p95: sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))], max: sorted[sorted.length - 1] };
}

export function computeStats(input: {
  items: readonly CorpusItem[];
  lengths: readonly number[];
  truncated: number;
  unknownTokens: number;
  vocabSize: number;
  maxLength: number;
  seconds: number;
  composeSeconds: number;
}): CorpusStats {
  const { items } = input;
  const perSplitSource: CorpusStats['perSplitSource'] = {};
  const findingCounts: CorpusStats['findingCounts'] = {};
  let unique = 0;
  for (const item of items) {
    perSplitSource[item.split] ??= {};
    perSplitSource[item.split][item.source] = (perSplitSource[item.split][item.source] ?? 0) + 1;
    findingCounts[item.split] ??= {};
    for (const f of item.findings) findingCounts[item.split][FINDING_NAMES[f]] = (findingCounts[item.split][FINDING_NAMES[f]] ?? 0) + 1;
    unique += new Set(item.reports.map((r) => r.text)).size / Math.max(1, item.reports.length);
  }
  return {
    seconds: Math.round(input.seconds * 10) / 10,
    composeSeconds: Math.round(input.composeSeconds * 10) / 10,
    studies: items.length,
    pixelRows: items.reduce((n, i) => n + i.images.length, 0),
    perSplitSource,
    vocabSize: input.vocabSize,
    maxLength: input.maxLength,
    tokens: summarise(input.lengths),
    words: summarise(items.flatMap((i) => i.reports.map((r) => wordCount(r.text)))),
    truncated: input.truncated,
    reports: input.lengths.length,
    uniqueReportShare: items.length > 0 ? Math.round((unique / items.length) * 1000) / 1000 : 0,
    unknownTokens: input.unknownTokens,
    findingCounts,
  };
}

export function formatStats(s: CorpusStats): string {
  const sources = [...new Set(Object.values(s.perSplitSource).flatMap((m) => Object.keys(m)))].sort();
  const lines: string[] = [];
  lines.push(`corpus: ${s.studies} studies, ${s.pixelRows} images, ${s.reports} reports in ${s.seconds}s (reports composed by ${s.composeSeconds}s)`);
  lines.push(`split   ${sources.map((x) => x.padStart(9)).join('')}    total`);
  for (const split of SPLITS) {
    const row = s.perSplitSource[split] ?? {};
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    lines.push(`${split.padEnd(6)}  ${sources.map((x) => String(row[x] ?? 0).padStart(9)).join('')}  ${String(total).padStart(7)}`);
  }
  lines.push(`vocabulary: ${s.vocabSize} tokens (incl. 5 special); unknown tokens in reports: ${s.unknownTokens}`);
  lines.push(
    `report tokens ([BOS]…[EOS]): mean ${s.tokens.mean}, p95 ${s.tokens.p95}, max ${s.tokens.max}; max_length ${s.maxLength}, truncated ` +
      `${s.truncated} of ${s.reports}`,
  );
  lines.push(
    `report words: mean ${s.words.mean}, p95 ${s.words.p95}, max ${s.words.max}; distinct reports per study: ${(s.uniqueReportShare * 100).toFixed(1)}%`,
  );
  lines.push(`findings (studies)  ${SPLITS.map((x) => x.padStart(7)).join('')}`);
  for (const k of FINDING_KEYS) {
    const name = FINDING_NAMES[k];
    const counts = SPLITS.map((x) => s.findingCounts[x]?.[name] ?? 0);
    if (counts.every((c) => c === 0)) continue;
    lines.push(`  ${name.padEnd(26)}${counts.map((c) => String(c).padStart(7)).join('')}`);
  }
  return lines.join('\n');
}
