import { describe, expect, it } from 'vitest';
import { perturb, perturbationName, defaultPerturbations } from './perturb';

const S = 16;
const ramp = Float32Array.from({ length: S * S }, (_, i) => (i % S) / (S - 1)); // 0 → 1 left to right

describe('perturb', () => {
  it('adds seeded noise of the requested spread, clamped to [0,1]', () => {
    const flat = new Float32Array(64 * 64).fill(0.5);
    const a = perturb(flat, 64, { kind: 'noise', sigma: 0.1, seed: 7 });
    expect(perturb(flat, 64, { kind: 'noise', sigma: 0.1, seed: 7 })).toEqual(a);
    expect(perturb(flat, 64, { kind: 'noise', sigma: 0.1, seed: 8 })).not.toEqual(a);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
    const strong = perturb(flat, 64, { kind: 'noise', sigma: 5, seed: 1 });
    expect(Math.min(...strong)).toBe(0);
    expect(Math.max(...strong)).toBe(1);
  });

  it('blurs without changing a constant image and smooths an edge', () => {
    const flat = new Float32Array(S * S).fill(0.3);
    perturb(flat, S, { kind: 'blur', sigma: 2 }).forEach((v) => expect(v).toBeCloseTo(0.3, 6));
    const edge = Float32Array.from({ length: S * S }, (_, i) => (i % S < S / 2 ? 0 : 1));
    const b = perturb(edge, S, { kind: 'blur', sigma: 1 });
    expect(b[S / 2 - 1]).toBeGreaterThan(0.1);
    expect(b[S / 2]).toBeLessThan(0.9);
  });

  it('scales contrast about the mean', () => {
    const low = perturb(ramp, S, { kind: 'contrast', factor: 0.5 });
    expect(low[0]).toBeCloseTo(0.25, 6); // mean 0.5 + 0.5·(0 − 0.5)
    expect(low[S - 1]).toBeCloseTo(0.75, 6);
    expect(perturb(ramp, S, { kind: 'contrast', factor: 3 })[0]).toBe(0); // clamped
  });

  it('mirrors left to right: each row reversed, and twice is the image again', () => {
    const mirrored = perturb(ramp, S, { kind: 'mirror' });
    expect(mirrored[0]).toBe(1);
    expect(mirrored[S - 1]).toBe(0);
    expect(mirrored[S + 1]).toBeCloseTo(ramp[S + S - 2], 6);
    expect(perturb(mirrored, S, { kind: 'mirror' })).toEqual(ramp);
  });

  it('names the default grid', () => {
    expect(defaultPerturbations().map(perturbationName)).toEqual([
      'noise_0.05',
      'noise_0.1',
      'noise_0.2',
      'blur_1',
      'blur_2',
      'contrast_0.5',
      'contrast_1.5',
      'mirrored',
    ]);
  });
});
