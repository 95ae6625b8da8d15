// Runs ONNX models with onnxruntime-node (CPU) for the Python side, which has no onnxruntime:
// `node training/run_onnx.mjs request.json response.json`. A request holds runs
// [{model, inputs: {name: {type, dims, b64}}, options?}] (options: extra session options such as
// graphOptimizationLevel); the response holds, per run, every output as {type, dims, b64} (raw little-endian
// bytes). Sessions are cached per model path and options, so one process serves many runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const ARRAYS = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, uint8: Uint8Array };

function decodeTensor({ type, dims, b64 }) {
  const Ctor = ARRAYS[type];
  if (!Ctor) throw new Error(`unsupported tensor type ${type}`);
  const buf = Buffer.from(b64, 'base64');
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new ort.Tensor(type, new Ctor(copy.buffer, 0, buf.byteLength / Ctor.BYTES_PER_ELEMENT), dims);
}

function encodeTensor(t) {
  const d = t.data;
  return { type: t.type, dims: t.dims, b64: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64') };
}

const [requestPath, responsePath] = process.argv.slice(2);
const request = JSON.parse(readFileSync(requestPath, 'utf8'));
const sessions = new Map();
const results = [];
for (const run of request.runs) {
  const key = run.model + JSON.stringify(run.options ?? {});
  if (!sessions.has(key)) {
    const options = { executionProviders: ['cpu'], intraOpNumThreads: 1, ...(run.options ?? {}) };
    sessions.set(key, await ort.InferenceSession.create(run.model, options));
  }
  const session = sessions.get(key);
  const feeds = {};
  for (const [name, t] of Object.entries(run.inputs)) feeds[name] = decodeTensor(t);
  const out = await session.run(feeds);
  const encoded = {};
  for (const [name, t] of Object.entries(out)) encoded[name] = encodeTensor(t);
  results.push(encoded);
}
writeFileSync(responsePath, JSON.stringify({ results }));
