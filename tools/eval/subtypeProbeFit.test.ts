import { describe, expect, it } from 'vitest';
import { chooseMargin, fitLogistic, fitSubtypeProbe, marginRows, type LabelledFeature } from './subtypeProbeFit';

/** Films whose first feature says the subtype (bacterial > 0) with noise, the second is noise only. */
function films(n: number, seed: number): LabelledFeature[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: n }, (_, i) => {
    const bacterial = i % 2 === 0;
    return { feature: Float32Array.of((bacterial ? 0.5 : -0.5) + rand(), rand()), subtype: bacterial ? 'bacterial' : 'viral' };
  });
}

describe('the subtype probe fit', () => {
  it("Newton's method reaches the logistic regression's optimum: the gradient vanishes", () => {
    const data = films(300, 3);
    const Z = data.map((d) => Float64Array.from(d.feature));
    const y = data.map((d) => (d.subtype === 'bacterial' ? 1 : 0));
    const l2 = 0.01;
    const { weights, bias } = fitLogistic(Z, y, l2);
    const grad = [0, 0, 0];
    Z.forEach((z, r) => {
      const p = 1 / (1 + Math.exp(-(bias + weights[0] * z[0] + weights[1] * z[1])));
      grad[0] += ((p - y[r]) * z[0]) / Z.length;
      grad[1] += ((p - y[r]) * z[1]) / Z.length;
      grad[2] += (p - y[r]) / Z.length;
    });
    grad[0] += 2 * l2 * weights[0];
    grad[1] += 2 * l2 * weights[1];
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-9);
    expect(weights[0]).toBeGreaterThan(0.5); // bacterial films have the larger first feature
  });

  it('learns the subtype direction and a wider margin lets fewer, surer films through', () => {
    for (const solver of ['gradient', 'newton'] as const) {
      const fit = fitSubtypeProbe('tower_patch_mean', films(400, 1), films(200, 2), [0.001, 0.1], solver);
      expect(fit.valAccuracy).toBeGreaterThan(0.6);
      expect(Math.abs(fit.probe.weights[0])).toBeGreaterThan(Math.abs(fit.probe.weights[1]));
      const films_ = fit.rows.map((r) => r.films);
      expect(films_).toEqual([...films_].sort((a, b) => b - a));
      expect(fit.rows[0].coverage).toBe(1);
      const sure = fit.rows.filter((r) => r.films >= 20).at(-1)!;
      expect(sure.accuracy).toBeGreaterThan(fit.rows[0].accuracy);
    }
  });

  it('chooses the smallest margin that reaches the target on enough films, else never names one', () => {
    const rows = [
      { margin: 0, coverage: 1, accuracy: 0.7, films: 100 },
      { margin: 0.1, coverage: 0.6, accuracy: 0.81, films: 60 },
      { margin: 0.2, coverage: 0.1, accuracy: 0.95, films: 10 },
    ];
    expect(chooseMargin(rows, 0.8, 30)).toBe(0.1);
    expect(chooseMargin(rows, 0.9, 30)).toBe(0.5);
    expect(chooseMargin(rows, 0.9, 5)).toBe(0.2);
  });

  it('scores the allowed subtype against the label', () => {
    const data: LabelledFeature[] = [
      { feature: Float32Array.of(0), subtype: 'bacterial' },
      { feature: Float32Array.of(0), subtype: 'viral' },
      { feature: Float32Array.of(0), subtype: 'viral' },
    ];
    const [all, sure] = marginRows([0.9, 0.2, 0.55], data, [0, 0.2]);
    expect(all).toEqual({ margin: 0, coverage: 1, accuracy: 2 / 3, films: 3 });
    expect(sure).toEqual({ margin: 0.2, coverage: 2 / 3, accuracy: 1, films: 2 });
  });
});
