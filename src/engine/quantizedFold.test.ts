// int8 weights dequantised once at session creation (sessions.ts, `disable_quant_qdq`): ONNX Runtime's optimised
// graph then has no DequantizeLinear left, and the engine's reports are those of re-running DequantizeLinear
// every call, on both runtimes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelManifest } from './manifest';
import { createNodeEngine, type NodeBackend } from './node/nodeEngine';
import { withOptimisedGraph } from './node/optimisedGraph';
import { ensureTinyModel } from './testing/tinyModel';
import type { ReportResult } from './types';

let modelDir: string;
let manifest: ModelManifest;

beforeAll(() => {
  modelDir = ensureTinyModel();
  manifest = JSON.parse(readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')) as ModelManifest;
});

/** Counts `DequantizeLinear` op names left in the graph ONNX Runtime (node, CPU provider) optimised and saved. */
function dequantizeNodesAfterOptimisation(file: string, fold: boolean): Promise<number> {
  return withOptimisedGraph(path.join(modelDir, file), fold, (out) => readFileSync(out).toString('latin1').split('DequantizeLinear').length - 1);
}

async function report(backend: NodeBackend, fold: boolean): Promise<ReportResult> {
  const engine = await createNodeEngine({ backends: [backend] });
  await engine.load({ modelUrl: modelDir, device: backend, precision: 'int8', foldQuantizedWeights: fold });
  try {
    const S = manifest.preprocessing.image_size;
    const data = Float32Array.from({ length: S * S }, (_, i) => Math.sin(i / 41) * 1.2);
    return await engine.generate([{ data, size: S }], { beam: 3 });
  } finally {
    await engine.dispose();
  }
}

describe('int8 weights folded at session creation', () => {
  it('leaves no DequantizeLinear in the optimised decoder (and keeps them when folding is off)', async () => {
    const decoder = manifest.files.int8!.decoder_model_merged.path;
    expect(await dequantizeNodesAfterOptimisation(decoder, false)).toBeGreaterThan(0);
    expect(await dequantizeNodesAfterOptimisation(decoder, true)).toBe(0);
  });

  it('gives the reports of unfolded int8 on WASM and the CPU provider', async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      const [folded, unfolded] = [await report(backend, true), await report(backend, false)];
      expect(folded.candidates.map((c) => c.tokenIds)).toEqual(unfolded.candidates.map((c) => c.tokenIds));
      folded.candidates.forEach((c, i) => expect(c.logp).toBeCloseTo(unfolded.candidates[i].logp, 4));
      expect(folded.report).toEqual(unfolded.report);
    }
  });
});
