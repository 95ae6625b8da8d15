// The model under evaluation: the engine in Node (onnxruntime-node CPU by default, or onnxruntime-web WASM)
// on one model folder, one preprocessed frontal view per report. Also the β = 0 choice from the same beams.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InThreadEngine } from '../../src/engine/engine';
import type { ModelManifest, Precision } from '../../src/engine/manifest';
import { createNodeEngine } from '../../src/engine/node/nodeEngine';
import type { Candidate, GenerateOptions, LoadInfo, ReportResult } from '../../src/engine/types';
import { loadRecordImage } from './images';
import type { ManifestRecord } from './manifest';
import { ProgressBar } from './progress';

export class ModelRunner {
  private constructor(
    private readonly engine: InThreadEngine,
    readonly manifest: ModelManifest,
    readonly info: LoadInfo,
    readonly dir: string,
  ) {}

  /** staticDecoder: step through the folder's decoder_static (the path WebGPU replays) instead of the merged decoder. */
  static async open(dir: string, device: 'cpu' | 'wasm', precision?: Precision, numThreads?: number, staticDecoder?: boolean): Promise<ModelRunner> {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
    const engine = await createNodeEngine({ backends: [device] });
    const info = await engine.load({ modelUrl: dir, device, precision, numThreads, ...(staticDecoder ? { staticDecoder } : {}) });
    if (staticDecoder && !info.staticDecoder)
      throw new RangeError(`${dir} has no ${info.precision} decoder_static; run \`npm run static-decoder -- --model ${dir}\` or pick --precision int8`);
    return new ModelRunner(engine, manifest, info, dir);
  }

  /** One report for one normalised S×S view. */
  generate(pixels: Float32Array, name: string, opts: GenerateOptions = {}): Promise<ReportResult> {
    const S = this.manifest.preprocessing.image_size;
    return this.engine.generate([{ data: pixels, size: S, view: 'frontal', name }], opts);
  }

  /** Drafts every record's film in turn, as the page would (a progress bar named `label`), and hands each draft on. */
  async draftEach(
    root: string,
    records: readonly ManifestRecord[],
    label: string,
    opts: GenerateOptions,
    onDraft: (rec: ManifestRecord, result: ReportResult) => void,
  ): Promise<void> {
    const bar = new ProgressBar(label, records.length);
    for (const rec of records) {
      const img = await loadRecordImage(root, rec, this.manifest.preprocessing);
      onDraft(rec, await this.generate(img.pixels, rec.id, opts));
      bar.tick();
    }
    bar.finish();
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}

/** The candidate plain beam search would show (β = 0: best length-normalised logp), from the same beams. */
export function noRerankCandidate(result: ReportResult): Candidate {
  if (result.candidates.length === 0) throw new RangeError('noRerankCandidate: the result has no candidates');
  return result.candidates.reduce((best, c) => (c.lengthNormLogp > best.lengthNormLogp ? c : best));
}
