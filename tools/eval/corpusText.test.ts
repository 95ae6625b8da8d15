// The corpus text side on the real IU pools: references are K deterministic reports asserting exactly the
// image's findings, and every finding the label template can predict composes into a report that asserts it.
import { beforeAll, describe, expect, it } from 'vitest';
import { DATA_ROOT } from '../cli/paths';
import { withAncestors } from '../../src/text/findings';
import { assertedFindings } from '../../src/text/metrics/clinical';
import { TEMPLATE_FINDINGS } from './baselines';
import { ComposedCorpusText } from './corpusText';
import type { ManifestRecord } from './manifest';

const covid: ManifestRecord = { id: 'covid_qu/COVID-7', source: 'covid_qu', image: 'x', split: 'test', labels: ['COVID-19'] };
let corpus: ComposedCorpusText;

beforeAll(() => {
  corpus = new ComposedCorpusText(new Map([[covid.id, covid]]), { dataRoot: DATA_ROOT, seed: 1, reportsPerImage: 3 });
});

describe('ComposedCorpusText', () => {
  it('composes K seeded references that assert the image findings', () => {
    const refs = corpus.references(covid);
    expect(refs).toHaveLength(3);
    const again = new ComposedCorpusText(new Map([[covid.id, covid]]), { dataRoot: DATA_ROOT, seed: 1, reportsPerImage: 3 }).references(covid);
    expect(again).toEqual(refs);
    for (const r of refs) expect(assertedFindings(r)).toEqual(['lung_opacity', 'covid19_pattern']);
  });

  it('writes a template report for every finding the probe predicts, and a normal one for none', () => {
    for (const f of TEMPLATE_FINDINGS) expect(assertedFindings(corpus.reportForFindings([f], 'x')), f).toEqual(withAncestors([f]));
    expect(assertedFindings(corpus.reportForFindings(['no_finding'], 'x'))).toEqual([]);
    const two = assertedFindings(corpus.reportForFindings(['cardiomegaly', 'pleural_effusion'], 'y'));
    expect(two).toEqual(['cardiomegaly', 'pleural_effusion']);
  });
});
