import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifest, readManifest, type ManifestRecord } from './manifest';
import { sourceLabelFindings, TruthMappingError, truthFindings } from './truth';
import { CXR_MANIFEST } from '../cli/paths';

const rec = (over: Partial<ManifestRecord>): ManifestRecord => ({ id: 'x/1', source: 'nih64', image: 'a.png', split: 'test', labels: [], ...over });

describe('truthFindings', () => {
  it('maps source labels to vocabulary keys closed under parents', () => {
    expect(truthFindings(rec({ source: 'kermany', labels: ['Pneumonia'], pneumonia_type: 'bacterial' }))).toEqual([
      'lung_opacity',
      'consolidation',
      'pneumonia',
    ]);
    expect(truthFindings(rec({ source: 'kermany', labels: ['Pneumonia'], pneumonia_type: 'viral' }))).toEqual(['lung_opacity', 'pneumonia']);
    expect(truthFindings(rec({ labels: ['Effusion', 'Nodule'] }))).toEqual(['lung_lesion', 'pleural_effusion', 'nodule']);
    expect(truthFindings(rec({ source: 'covid_qu', labels: ['No Finding'] }))).toEqual(['no_finding']);
  });

  it('says which mapping is missing', () => {
    expect(() => truthFindings(rec({ labels: ['Unicorn'] }))).toThrow(/Unicorn/);
    expect(() => truthFindings(rec({ source: 'kermany', labels: ['Pneumonia'] }))).toThrow(/pneumonia_type/);
    expect(() => sourceLabelFindings(rec({ labels: [] }), 'Unicorn')).toThrow(TruthMappingError);
    expect(sourceLabelFindings(rec({}), 'Infiltration')).toEqual(['infiltration']);
  });

  it('maps every record of the data manifest', () => {
    const records = readManifest(CXR_MANIFEST);
    for (const r of records) expect(truthFindings(r).length).toBeGreaterThan(0);
  });
});

describe('parseManifest', () => {
  it('reads JSONL and rejects malformed lines with the line number', () => {
    expect(parseManifest('{"id":"a","source":"s","image":"i.png","split":"test","labels":[]}\n\n')).toHaveLength(1);
    expect(() => parseManifest('{"id":"a"}')).toThrow(ManifestError);
    expect(() => parseManifest('nope', 'm.jsonl')).toThrow(/m.jsonl:1/);
    expect(() => parseManifest('\n')).toThrow(/no records/);
  });
});
