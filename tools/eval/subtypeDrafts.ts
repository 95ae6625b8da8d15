// The subtype gate judged where a reader meets it: in the drafts. The probe's own accuracy on the films it lets
// through is not the measure; a type survives only where the language model wrote it *and* the probe backs
// it, so the gate's margin can also be chosen by the drafts themselves. For each margin the engine drafts every val
// film whose labels name a subtype, with the fitted probe at that margin in a scratch copy of the model folder (the
// ONNX files linked, only manifest.json rewritten), and counts the drafts that name a type and how often it is the
// labelled one (tools/eval/subtype.ts's "agrees when named").
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SubtypeProbe } from '../../src/engine/subtypeGate';
import { loadRecordImage } from './images';
import type { ManifestRecord } from './manifest';
import { ModelRunner } from './modelRunner';
import { statedSubtype, subtypeRecord } from './subtype';

export interface DraftRow {
  margin: number;
  films: number; // val films with a labelled subtype
  named: number; // drafts that name exactly one type
  agreement: number; // share of those whose type is the labelled one (NaN when none names one)
}

/** A scratch model folder: every file of `modelDir` linked, manifest.json with `probe` as its subtype_probe. */
function folderWithProbe(modelDir: string, rawManifest: Record<string, unknown>, probe: SubtypeProbe): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'subtype-drafts-'));
  for (const name of readdirSync(modelDir)) if (name !== 'manifest.json') symlinkSync(path.resolve(modelDir, name), path.join(dir, name));
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...rawManifest, subtype_probe: probe }));
  return dir;
}

/** Drafts every record with a labelled subtype once per margin, through the engine's defaults (fp32, one thread, as the eval). */
export async function draftRows(
  modelDir: string,
  rawManifest: Record<string, unknown>,
  probe: SubtypeProbe,
  margins: readonly number[],
  records: readonly ManifestRecord[],
  root: string,
  log: (line: string) => void = () => {},
): Promise<DraftRow[]> {
  const typed = records.flatMap((r) => {
    const truth = subtypeRecord(r);
    return truth ? [{ rec: r, truth }] : [];
  });
  // The films are decoded once; only the margin changes between the passes.
  const pre = (rawManifest as { preprocessing: Parameters<typeof loadRecordImage>[2] }).preprocessing;
  const pixels = await Promise.all(typed.map(async ({ rec }) => (await loadRecordImage(root, rec, pre)).pixels));
  const rows: DraftRow[] = [];
  for (const margin of margins) {
    const dir = folderWithProbe(modelDir, rawManifest, { ...probe, margin });
    try {
      const runner = await ModelRunner.open(dir, 'cpu', undefined, 1);
      let named = 0;
      let agree = 0;
      try {
        for (const [i, { rec, truth }] of typed.entries()) {
          const said = statedSubtype((await runner.generate(pixels[i], rec.id)).report.text);
          if (said) named++;
          if (said === truth) agree++;
        }
      } finally {
        await runner.dispose();
      }
      rows.push({ margin, films: typed.length, named, agreement: named ? agree / named : Number.NaN });
      log(`  margin ${margin.toFixed(2)}: ${named} of ${typed.length} drafts name a type, ${named ? ((100 * agree) / named).toFixed(1) : '–'} % agree`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** The smallest margin whose drafts' agreement reaches `target` with at least `minNamed` drafts naming a type;
 *  null when none does (the caller keeps the probe's own choice and says so). */
export function chooseDraftMargin(rows: readonly DraftRow[], target: number, minNamed: number): number | null {
  const ok = rows.filter((r) => r.named >= minNamed && r.agreement >= target).sort((a, b) => a.margin - b.margin);
  return ok[0]?.margin ?? null;
}
