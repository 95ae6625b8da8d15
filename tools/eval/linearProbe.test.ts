import { describe, expect, it } from 'vitest';
import { fitLinearProbe, probePredict, probeProbabilities, ProbeInputError } from './linearProbe';
import { mulberry32 } from '../../src/text/composeRng';

describe('linear probe', () => {
  it('learns separable labels and picks thresholds that reproduce them', () => {
    // Label 0 = x0 > 0, label 1 = x1 > 0.5 (offset, so the bias matters), label 2 never occurs.
    const rand = mulberry32(3).next;
    const X = Array.from({ length: 200 }, () => Float32Array.from([rand() * 2 - 1, rand() * 2 - 1, rand()]));
    const Y = X.map((x) => Uint8Array.from([x[0] > 0 ? 1 : 0, x[1] > 0.5 ? 1 : 0, 0]));
    const probe = fitLinearProbe(X, Y, { iterations: 300 });
    let errors = 0;
    X.forEach((x, i) => probePredict(probe, x).forEach((p, f) => (errors += Number(p !== (Y[i][f] === 1)))));
    expect(errors).toBeLessThanOrEqual(6); // ≤ 1% of 600 decisions (points near the boundary)
    expect(probe.thresholds[2]).toBeGreaterThan(1); // an unseen label is never predicted
    const p = probeProbabilities(probe, Float32Array.from([0.9, 0.9, 0.5]));
    expect(p[0]).toBeGreaterThan(0.9);
    expect(p[1]).toBeGreaterThan(0.5);
  });

  it('rejects mismatched input', () => {
    expect(() => fitLinearProbe([new Float32Array(2)], [])).toThrow(ProbeInputError);
  });
});
