// The decoder graph rows of the benchmark: the shipped decoder (fused operators, training/fused_decoder.py) against a
// baseline folder's (e.g. the traced 1.1.0, `git archive` of an earlier commit), fp32 and int8, int8 with its weights
// dequantised once at session creation or every call. Per row: nodes in the file and after onnxruntime-node's
// optimiser (the work a step dispatches), and the median ms of a cached argmax step for 1 and 3 rows in Node WASM.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Precision } from '../../src/engine/manifest';
import { loadOrtWeb } from '../../src/engine/node/nodeEngine';
import { withOptimisedGraph } from '../../src/engine/node/optimisedGraph';
import { sessionConfigEntries } from '../../src/engine/sessions';
import { decodeSteps, encodeImage, openRawModel, readModelManifest, releaseRawModel } from './rawModel';
import type { DecoderGraphRow } from './rows';
import { spread } from './stats';

const COUNT_NODES = 'import onnx, sys\nprint(len(onnx.load(sys.argv[1]).graph.node))';

function countNodes(file: string): number {
  try {
    return Number(execFileSync('/usr/bin/python3', ['-c', COUNT_NODES, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
  } catch {
    return NaN; // python3 with onnx missing: the timing still stands
  }
}

/** Nodes of `file` after onnxruntime-node's optimiser with the engine's options for this fold choice. */
const optimisedNodes = (file: string, fold: boolean): Promise<number> => withOptimisedGraph(file, fold, countNodes);

export interface DecoderGraphOptions {
  models: { dir: string; graph?: string }[]; // graph: label; default the manifest's architecture.decoder_graph
  pixels: Float32Array;
  runs: number;
  steps: number;
  log: (line: string) => void;
}

export async function decoderGraphRows(o: DecoderGraphOptions): Promise<DecoderGraphRow[]> {
  const ort = await loadOrtWeb();
  ort.env.wasm.numThreads = 1;
  const rows: DecoderGraphRow[] = [];
  const variants: { precision: Precision; fold: boolean }[] = [
    { precision: 'fp32', fold: true },
    { precision: 'int8', fold: true },
    { precision: 'int8', fold: false },
  ];
  for (const { dir, graph } of o.models) {
    const manifest = readModelManifest(dir);
    const label = graph ?? manifest.architecture.decoder_graph ?? 'traced';
    for (const { precision, fold } of variants) {
      const entry = manifest.files[precision]?.decoder_model_merged;
      if (!entry) continue;
      const file = path.join(dir, entry.path);
      const m = await openRawModel(ort, dir, precision, {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
        extra: { session: sessionConfigEntries('wasm', fold) },
      });
      const { features } = await encodeImage(m, o.pixels);
      const nodes = countNodes(file);
      const nodesOptimised = await optimisedNodes(file, fold);
      for (const beamRows of [1, 3]) {
        await decodeSteps(m, features, { steps: 4, rows: beamRows });
        const per: number[] = [];
        for (let i = 0; i < o.runs; i++) per.push((await decodeSteps(m, features, { steps: o.steps, rows: beamRows })).msPerStep);
        const s = spread(per);
        rows.push({
          where: 'node',
          backend: 'wasm',
          graph: label,
          model: `${manifest.id}@${manifest.version}`,
          precision,
          fold,
          nodes,
          nodes_optimised: nodesOptimised,
          rows: beamRows,
          step_ms_median: s.median,
          step_ms_p10: s.p10,
          step_ms_p90: s.p90,
        });
        o.log(`decoder ${label} ${precision}${fold ? '' : ' (no fold)'} ×${beamRows}: ${s.median.toFixed(3)} ms/step, ${nodesOptimised} nodes optimised`);
      }
      await releaseRawModel(m);
    }
  }
  return rows;
}
