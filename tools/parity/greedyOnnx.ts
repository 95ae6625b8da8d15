// Parity harness for the Python tests (training/tests/onnx_harness.py): greedy decoding of a model folder in
// onnxruntime-node through the engine's own encoder call and step decoder (prefix + BOS with an empty past, then
// one token per call through the key/value cache and beam_idx), so PyTorch is compared with what the page runs.
//   node --import tsx tools/parity/greedyOnnx.ts request.json response.json
// request {dir, precision, pixels: {dims, b64} f32 [n,1,S,S] normalised, maxLen}; response {ids: number[][]}
// (without BOS, up to and excluding EOS).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelFileKey, Precision } from '../../src/engine/manifest';
import { loadOrtNode } from '../../src/engine/node/nodeEngine';
import { OnnxReportModel } from '../../src/engine/onnxModel';
import type { ModelSessions } from '../../src/engine/sessions';
import { UsageError } from '../cli/flags';
import { runMain } from '../cli/main';
import { readModelManifest } from '../bench/rawModel';

interface ParityRequest {
  dir: string;
  precision: Precision;
  pixels: { dims: number[]; b64: string };
  maxLen: number;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
  return best;
}

async function main(argv: string[]): Promise<void> {
  const [requestPath, responsePath] = argv;
  if (!requestPath || !responsePath) throw new UsageError('usage: node --import tsx tools/parity/greedyOnnx.ts request.json response.json');
  const req = JSON.parse(readFileSync(requestPath, 'utf8')) as ParityRequest;
  const manifest = readModelManifest(req.dir);
  const files = manifest.files[req.precision];
  if (!files) throw new UsageError(`${req.dir}/manifest.json has no ${req.precision} files`);
  const ort = await loadOrtNode();
  const open = (key: ModelFileKey) => ort.InferenceSession.create(new Uint8Array(readFileSync(path.join(req.dir, files[key].path))), { intraOpNumThreads: 1 });
  const [vision, embed, decoder] = await Promise.all([open('vision_encoder'), open('embed_tokens'), open('decoder_model_merged')]);
  const sessions: ModelSessions = {
    ort,
    backend: 'cpu',
    gpuPast: false,
    vision,
    embed,
    decoder,
    oodDetector: null,
    mirrorCheck: null,
    imageReader: null,
    lesionMap: null,
    similarity: null,
    staticSteps: null,
  };
  const model = new OnnxReportModel(sessions, manifest);
  const { eos } = manifest.special_ids;

  const buf = Buffer.from(req.pixels.b64, 'base64');
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const [n, , S] = req.pixels.dims;
  const results: number[][] = [];
  for (let i = 0; i < n; i++) {
    const encoded = await model.encode([{ data: all.slice(i * S * S, (i + 1) * S * S), size: S }]);
    const steps = model.stepDecoder(encoded.prefix);
    const ids: number[] = [];
    try {
      let step = await steps.first();
      for (let t = 0; t < req.maxLen - 1; t++) {
        const best = argmax(step.logits);
        if (best === eos) break;
        ids.push(best);
        step = await steps.next([best], [0]);
      }
    } finally {
      steps.dispose();
    }
    results.push(ids);
  }
  writeFileSync(responsePath, JSON.stringify({ ids: results }));
}

runMain(import.meta.url, main);
