// Hand-computed METEOR (exact + stem) cases and Porter stemmer checks against Porter's published examples.
import { describe, expect, it } from 'vitest';
import { corpusMeteor, segmentStats, scoreFromStats, bestStats } from './meteor';
import { porterStem } from './porterStemmer';

describe('porterStem', () => {
  it("matches Porter's examples", () => {
    const pairs: [string, string][] = [
      ['caresses', 'caress'],
      ['ponies', 'poni'],
      ['cats', 'cat'],
      ['feed', 'feed'],
      ['agreed', 'agre'],
      ['plastered', 'plaster'],
      ['motoring', 'motor'],
      ['sing', 'sing'],
      ['conflated', 'conflat'],
      ['sized', 'size'],
      ['hopping', 'hop'],
      ['falling', 'fall'],
      ['filing', 'file'],
      ['happy', 'happi'],
      ['sky', 'sky'],
      ['relational', 'relat'],
      ['conditional', 'condit'],
      ['rational', 'ration'],
      ['digitizer', 'digit'],
      ['vietnamization', 'vietnam'],
      ['decisiveness', 'decis'],
      ['hopefulness', 'hope'],
      ['sensibiliti', 'sensibl'],
      ['triplicate', 'triplic'],
      ['electrical', 'electr'],
      ['goodness', 'good'],
      ['allowance', 'allow'],
      ['replacement', 'replac'],
      ['adoption', 'adopt'],
      ['homologous', 'homolog'],
      ['bowdlerize', 'bowdler'],
      ['cease', 'ceas'],
      ['controll', 'control'],
      ['roll', 'roll'],
      ['generalizations', 'gener'],
      ['effusions', 'effus'],
      ['effusion', 'effus'],
      ['opacities', 'opac'],
      ['is', 'is'],
    ];
    for (const [word, stem] of pairs) expect(porterStem(word), word).toBe(stem);
  });
});

describe('meteor_exact_stem', () => {
  it('gives 1 to an identical sentence (one chunk covering both → no fragmentation penalty)', () => {
    expect(scoreFromStats(segmentStats('the heart is normal'.split(' '), 'the heart is normal'.split(' ')))).toBeCloseTo(1, 10);
  });

  it('weights stem matches 0.6, function words 1−δ, and penalises fragmentation', () => {
    // hyp "effusions are small" / ref "small effusion": small↔small exact, effusions↔effusion stem ("effus");
    // "are" is a function word. Alignment (h0→r1, h2→r0) is 2 chunks over 2 matches → frag 1, penalty 0.6·1^0.2 = 0.6.
    // P = (1.0·0.75 + 0.6·0.75) / (0.75·2 + 0.25·1) = 1.2/1.75 = 0.685714; R = 1.2 / (0.75·2) = 0.8.
    // Fmean = P·R / (0.85·P + 0.15·R) = 32/41 = 0.780488; score = 0.780488·(1 − 0.6) = 0.312195.
    const s = segmentStats(['effusions', 'are', 'small'], ['small', 'effusion']);
    expect(s.chunks).toBe(2);
    expect(s.testMatchesContent).toEqual([1, 1]);
    expect(scoreFromStats(s)).toBeCloseTo(0.312195, 6);
  });

  it('picks the alignment with the fewest chunks', () => {
    // hyp "x y" / ref "x z x y": x→ref 2, y→ref 3 is one chunk (first-match greedy would give two).
    // P = 1, R = 2/4; Fmean = 0.5/(0.85 + 0.075) = 0.540541; frag = 1/2 → penalty 0.6·0.5^0.2 = 0.522330;
    // score = 0.540541·0.477670 = 0.258200.
    const s = segmentStats(['x', 'y'], ['x', 'z', 'x', 'y']);
    expect(s.chunks).toBe(1);
    expect(scoreFromStats(s)).toBeCloseTo(0.2582, 5);
  });

  it('takes the best reference', () => {
    expect(scoreFromStats(bestStats('effusions are small', ['small effusion', 'effusions are small']))).toBeCloseTo(1, 10);
  });

  it('scores the corpus from summed statistics, not the mean of segment scores', () => {
    // Sum of the stem case and the identical case: test 7 words (3 function), weighted matches 1.2 + 2.0 = 3.2,
    // P = 3.2 / (0.75·4 + 0.25·3) = 0.853333; ref 6 words (2 function): R = 3.2 / (0.75·4 + 0.25·2) = 0.914286;
    // Fmean = 0.904594; chunks 2+1 = 3 over 6 matches → frag 0.5 → penalty 0.522330; score 0.432097.
    // (The mean of the segment scores would be (0.312195 + 1)/2 = 0.656.)
    const { corpus, perSentence } = corpusMeteor(['effusions are small', 'the heart is normal'], [['small effusion'], ['the heart is normal']]);
    expect(perSentence[0]).toBeCloseTo(0.312195, 6);
    expect(corpus).toBeCloseTo(0.432097, 6);
  });

  it('is 0 without any match or for an empty hypothesis', () => {
    expect(corpusMeteor(['a b'], [['c d']]).corpus).toBe(0);
    expect(corpusMeteor([''], [['c d']]).corpus).toBe(0);
  });
});

describe('meteor alignment search', () => {
  /** Exhaustive: the most matches, then the fewest chunks, over every 1-1 exact alignment. */
  function bruteForce(hyp: string[], ref: string[]): { matches: number; chunks: number } {
    let best = { matches: 0, chunks: 0 };
    const used = new Array<boolean>(ref.length).fill(false);
    const pairs: [number, number][] = [];
    const visit = (h: number): void => {
      if (h === hyp.length) {
        let chunks = 0;
        pairs.forEach(([ph, pr], i) => {
          if (i === 0 || pairs[i - 1][0] !== ph - 1 || pairs[i - 1][1] !== pr - 1) chunks++;
        });
        if (pairs.length > best.matches || (pairs.length === best.matches && chunks < best.chunks)) best = { matches: pairs.length, chunks };
        return;
      }
      visit(h + 1);
      ref.forEach((w, r) => {
        if (used[r] || w !== hyp[h]) return;
        used[r] = true;
        pairs.push([h, r]);
        visit(h + 1);
        pairs.pop();
        used[r] = false;
      });
    };
    visit(0);
    return best;
  }

  it('finds the maximum matching with the fewest chunks on small random cases', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const sentence = (): string[] => Array.from({ length: 1 + Math.floor(rand() * 6) }, () => ['xa', 'xb', 'xc'][Math.floor(rand() * 3)]);
    for (let i = 0; i < 300; i++) {
      const hyp = sentence();
      const ref = sentence();
      const s = segmentStats(hyp, ref);
      expect({ matches: s.matches, chunks: s.chunks }, `${hyp.join(' ')} | ${ref.join(' ')}`).toEqual(bruteForce(hyp, ref));
    }
  });
});
