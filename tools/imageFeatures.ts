// `npm run image-features`: the frozen report model's image tokens for every corpus image, the input of the
// similarity towers' training (training/similarity.py). Runs the model folder's fp32 vision encoder in
// onnxruntime-node on corpus/<split>/pixels.npy (clean, and for the train split also noisy and blurred copies so
// the image tower learns to look through ordinary degradation) and writes
// <out>/<split>/image_features{,_noise,_blur}.npy, float32 [M,N,D].
//   npm run image-features -- [--model DIR] [--corpus corpus] [--out corpus/features] [--splits train,val,test] [--clean-only]
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFlags, usage, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { CORPUS_DIR } from './cli/paths';
import { perturb, type Perturbation } from './eval/perturb';
import { loadOrtNode } from '../src/engine/node/nodeEngine';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import type { ModelManifest } from '../src/engine/manifest';
import modelIO from '../src/engine/modelIO.json' with { type: 'json' };
import { NpyStreamWriter, parseNpy } from './corpus/npy';

const specs = {
  model: { type: 'string', help: "model folder whose vision encoder is frozen (default: public/models/index.json's default)" },
  corpus: { type: 'string', help: 'corpus folder (default corpus)' },
  out: { type: 'string', help: 'output folder (default corpus/features)' },
  splits: { type: 'list', help: 'splits (default train,val,test)', choices: ['train', 'val', 'test'] },
  'clean-only': { type: 'boolean', help: "skip the train split's noisy and blurred copies (the finding reader reads clean films only)" },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

/** Training copies: the degradations of the eval's robustness grid at their middle strength. */
const TRAIN_VARIANTS: Record<string, Perturbation | null> = {
  '': null,
  _noise: { kind: 'noise', sigma: 0.1, seed: 7 },
  _blur: { kind: 'blur', sigma: 2 },
};

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, specs, 'npm run image-features --');
  if (f.help) return void console.log(usage('npm run image-features -- [flags]', specs));
  const modelDir = f.model ?? defaultModelDir();
  const corpus = f.corpus ?? CORPUS_DIR;
  const out = f.out ?? path.join(corpus, 'features');
  const manifest = JSON.parse(readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')) as ModelManifest;
  const { image_size: S, pixel_mean: mean, pixel_std: std } = manifest.preprocessing;
  const { n_image_tokens: N, d_model: D } = manifest.architecture;
  const ort = await loadOrtNode();
  const vision = manifest.files.fp32?.vision_encoder;
  if (!vision) throw new Error(`${modelDir} has no fp32 vision encoder; export the model with its fp32 files`);
  const session = await ort.InferenceSession.create(readFileSync(path.join(modelDir, vision.path)), { executionProviders: ['cpu'] });
  for (const split of f.splits ?? ['train', 'val', 'test']) {
    const pixels = parseNpy(readFileSync(path.join(corpus, split, 'pixels.npy'))); // uint8 [M,S,S]
    const M = pixels.shape[0];
    if (pixels.shape[1] !== S) throw new Error(`${corpus}/${split}/pixels.npy is ${pixels.shape[1]} px but the model reads ${S} px`);
    mkdirSync(path.join(out, split), { recursive: true });
    const variants = split === 'train' && !f['clean-only'] ? Object.entries(TRAIN_VARIANTS) : [['', null] as const];
    for (const [suffix, p] of variants) {
      const writer = new NpyStreamWriter(path.join(out, split, `image_features${suffix}.npy`), 'float32', [M, N, D]);
      const B = 64;
      for (let i0 = 0; i0 < M; i0 += B) {
        const n = Math.min(B, M - i0);
        const batch = new Float32Array(n * S * S); // [n,1,S,S] normalised
        for (let b = 0; b < n; b++) {
          let unit: Float32Array = Float32Array.from(pixels.data.subarray((i0 + b) * S * S, (i0 + b + 1) * S * S), (v) => v / 255);
          if (p) unit = perturb(unit, S, p.kind === 'noise' ? { ...p, seed: p.seed + i0 + b } : p);
          for (let j = 0; j < S * S; j++) batch[b * S * S + j] = (Math.round(unit[j] * 255) / 255 - mean) / std;
        }
        const res = await session.run({ [modelIO.vision.inputs.pixels]: new ort.Tensor('float32', batch, [n, 1, S, S]) });
        writer.write((await res[modelIO.vision.outputs.imageTokens].getData()) as Float32Array); // [n,N,D]
        for (const t of Object.values(res)) t.dispose();
        process.stderr.write(`\r${split}${suffix} ${i0 + n}/${M}`);
      }
      writer.close();
      process.stderr.write('\n');
    }
  }
}

runMain(import.meta.url, main);
