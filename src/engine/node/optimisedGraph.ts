// The graph ONNX Runtime actually runs: a model file optimised by onnxruntime-node's CPU provider with the engine's
// session options (level 'all'; int8 weights folded or not) and saved, for the tests and the benchmark to inspect.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sessionConfigEntries } from '../sessions';
import { loadOrtNode } from './nodeEngine';

/** Optimises `file` and hands the saved graph's path to `use` (the file is deleted afterwards). */
export async function withOptimisedGraph<T>(file: string, foldQuantizedWeights: boolean, use: (optimised: string) => T | Promise<T>): Promise<T> {
  const ort = await loadOrtNode();
  const dir = mkdtempSync(path.join(tmpdir(), 'serpent-graph-'));
  try {
    const out = path.join(dir, 'optimised.onnx');
    const session = await ort.InferenceSession.create(readFileSync(file), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      optimizedModelFilePath: out,
      extra: { session: sessionConfigEntries('cpu', foldQuantizedWeights) },
    });
    await session.release();
    return await use(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
