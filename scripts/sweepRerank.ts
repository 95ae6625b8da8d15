// β sweep for the self-refinement rerank: decodes each image of a split once (beam B), keeps every finished
// candidate with its length-normalised logp and image–text similarity, then re-chooses under each β and scores
// the chosen reports with the clinical metrics. Picks the decoding default written to the manifest.
//   npm run sweep-rerank -- [--manifest PATH] [--root DIR] [--split val] [--model DIR] [--beam 5]
//                           [--betas 0,0.5,1,2,4,8,16] [--per-source N] [--out FILE.json]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FLAGS, parseFlags, usage, type FlagSpec } from '../src/eval/cliArgs';
import { loadRecordImage } from '../src/eval/images';
import { readManifest } from '../src/eval/manifest';
import { ModelRunner } from '../src/eval/modelRunner';
import { truthFindings } from '../src/eval/truth';
import { assertedFindings, scoreClinical } from '../src/text/metrics/clinical';
import { combinedScore } from '../src/engine/rerank';
import type { Candidate } from '../src/engine/types';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';

const specs: Record<string, FlagSpec> = {
  ...MANIFEST_FLAGS,
  split: { type: 'string', help: 'split (default val)' },
  beam: { type: 'number', help: 'beam width (default 5)' },
  betas: { type: 'list', help: 'β values to try (default 0,0.5,1,2,4,8,16)' },
  'per-source': { type: 'number', help: 'images per source, spread over the split (default 60)' },
  out: { type: 'string', help: 'results JSON (default out/sweep-rerank.json)' },
  help: { type: 'boolean', help: 'show this help' },
};

/** The candidate the engine would choose under β (same score, first of equals as the engine's stable sort). */
function choose(cands: readonly Candidate[], beta: number): Candidate {
  const score = (c: Candidate) => combinedScore(c.lengthNormLogp, c.similarity, beta);
  return cands.reduce((best, c) => (score(c) > score(best) ? c : best));
}

async function main(): Promise<void> {
  const f = parseFlags(process.argv.slice(2), specs, 'npm run sweep-rerank --');
  if (f.help) return void console.log(usage('npm run sweep-rerank -- [flags]', specs));
  const manifestPath = (f.manifest as string) ?? path.resolve('../shared/data/cxr/manifest.jsonl');
  const root = (f.root as string) ?? path.dirname(manifestPath);
  const split = (f.split as string) ?? 'val';
  const perSource = (f['per-source'] as number) ?? 60;
  const betas = ((f.betas as string[]) ?? ['0', '0.5', '1', '2', '4', '8', '16']).map(Number);
  const bySource = new Map<string, ReturnType<typeof readManifest>>();
  for (const r of readManifest(manifestPath).filter((r) => r.split === split)) {
    bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
  }
  const records = [...bySource.values()].flatMap((rs) => {
    const step = Math.max(1, Math.floor(rs.length / perSource));
    return rs.filter((_, i) => i % step === 0).slice(0, perSource);
  });
  const runner = await ModelRunner.open((f.model as string) ?? defaultModelDir(), 'cpu', 'int8', 1);
  const pre = runner.manifest.preprocessing;
  const cases: { source: string; truth: ReturnType<typeof truthFindings>; candidates: Candidate[] }[] = [];
  for (const [i, rec] of records.entries()) {
    const img = await loadRecordImage(root, rec, pre);
    const res = await runner.generate(img.pixels, rec.id, { beam: (f.beam as number) ?? 5, beta: 0 });
    cases.push({ source: rec.source, truth: truthFindings(rec), candidates: res.candidates });
    process.stderr.write(`\r${i + 1}/${records.length}`);
  }
  process.stderr.write('\n');
  await runner.dispose();
  const rows = betas.map((beta) => {
    const chosen = cases.map((c) => choose(c.candidates, beta));
    const s = scoreClinical(chosen.map((c, i) => ({ predicted: assertedFindings(c.text), truth: cases[i].truth })));
    const changed = chosen.filter((c, i) => c !== choose(cases[i].candidates, 0)).length;
    return { beta, micro_f1: s.micro_f1, macro_f1: s.macro_f1, hallucination_rate: s.hallucination_rate, omission_rate: s.omission_rate, changed };
  });
  console.log(`β sweep on ${cases.length} ${split} images (${[...bySource.keys()].join(', ')}; ≤${perSource} per source), beam ${(f.beam as number) ?? 5}`);
  console.log('| β | micro-F1 | macro-F1 | hallucination | omission | choices changed |\n|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.beta} | ${r.micro_f1.toFixed(3)} | ${r.macro_f1.toFixed(3)} | ${r.hallucination_rate.toFixed(3)} | ${r.omission_rate.toFixed(3)} | ${r.changed} |`);
  const out = (f.out as string) ?? 'out/sweep-rerank.json';
  writeFileSync(out, JSON.stringify({ split, n: cases.length, rows }, null, 1));
}

main().catch((err) => {
  console.error(`${(err as Error).name}: ${(err as Error).message}`);
  process.exit(1);
});
