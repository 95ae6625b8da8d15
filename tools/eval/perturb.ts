// Image perturbations for the robustness evaluation, applied to the preprocessed [0,1] unit image [S*S]
// (before normalisation) and clamped back to [0,1]: seeded Gaussian noise (σ as a fraction of the intensity
// range), Gaussian blur (σ in input pixels), a contrast change about the image mean, and the film mirrored left to
// right (saved flipped: the mirror check notes it, and this row says what the draft of such a film is worth).

import { mulberry32 } from '../../src/text/composeRng';

export type Perturbation =
  | { kind: 'noise'; sigma: number; seed: number }
  | { kind: 'blur'; sigma: number }
  | { kind: 'contrast'; factor: number }
  | { kind: 'mirror' };

/** Name used in result tables, e.g. "noise_0.1", "blur_1.5", "contrast_0.5", "mirrored". */
export function perturbationName(p: Perturbation): string {
  if (p.kind === 'mirror') return 'mirrored';
  return p.kind === 'contrast' ? `contrast_${p.factor}` : `${p.kind}_${p.sigma}`;
}

function gaussianSampler(seed: number): () => number {
  const uniform = mulberry32(seed).next;
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

const clamp01 = (v: number): number => (v < 0 ? 0 : Math.min(v, 1));

function blur(unit: Float32Array, size: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const k = kernel.map((v) => v / total);
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const dst = new Float32Array(src.length); // [S,S]; borders replicate the edge pixel
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let acc = 0;
        for (let j = -radius; j <= radius; j++) {
          const xx = horizontal ? Math.min(size - 1, Math.max(0, x + j)) : x;
          const yy = horizontal ? y : Math.min(size - 1, Math.max(0, y + j));
          acc += src[yy * size + xx] * k[j + radius];
        }
        dst[y * size + x] = acc;
      }
    }
    return dst;
  };
  return pass(pass(unit, true), false);
}

/** Returns a perturbed copy of a square unit image [size*size] with values in [0,1]. */
export function perturb(unit: Float32Array, size: number, p: Perturbation): Float32Array {
  if (unit.length !== size * size) throw new RangeError(`perturb: ${unit.length} values for a ${size}×${size} image`);
  if (p.kind === 'noise') {
    const gauss = gaussianSampler(p.seed);
    return unit.map((v) => clamp01(v + p.sigma * gauss()));
  }
  if (p.kind === 'blur') return p.sigma > 0 ? blur(unit, size, p.sigma).map(clamp01) : unit.slice();
  if (p.kind === 'mirror') return unit.map((_, i) => unit[i - (i % size) + size - 1 - (i % size)]);
  let mean = 0;
  for (const v of unit) mean += v;
  mean /= unit.length;
  return unit.map((v) => clamp01(mean + p.factor * (v - mean)));
}

/** The robustness grid of the evaluation: noise σ 0.05/0.1/0.2, blur σ 1/2 px, contrast ×0.5/×1.5, mirrored. */
export function defaultPerturbations(seed = 1): Perturbation[] {
  return [
    { kind: 'noise', sigma: 0.05, seed },
    { kind: 'noise', sigma: 0.1, seed },
    { kind: 'noise', sigma: 0.2, seed },
    { kind: 'blur', sigma: 1 },
    { kind: 'blur', sigma: 2 },
    { kind: 'contrast', factor: 0.5 },
    { kind: 'contrast', factor: 1.5 },
    { kind: 'mirror' },
  ];
}
