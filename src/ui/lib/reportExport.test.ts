import { describe, expect, it } from 'vitest';
import type { ReportResult } from '../../engine/types';
import { CLINICAL_NOTE, reportAsText, reportFileStem, reportJsonFile, reportTextFile, type ExportContext } from './reportExport';

const result: ReportResult = {
  report: { findings: 'heart normal.', impression: 'no acute disease.', text: 'heart normal. no acute disease.' },
  candidates: [
    {
      text: 'heart normal. no acute disease.',
      tokenIds: [5, 6],
      logp: -2,
      length: 2,
      lengthNormLogp: -1,
      similarity: 0.4,
      agreement: 0,
      score: -0.6,
      group: 0,
      sampled: false,
      draws: 1,
      support: 0,
      findings: [],
      chosen: true,
    },
    {
      text: 'heart large.',
      tokenIds: [5, 7],
      logp: -1.8,
      length: 2,
      lengthNormLogp: -0.9,
      similarity: 0.1,
      agreement: 0,
      score: -0.8,
      group: 1,
      sampled: true,
      draws: 1,
      support: 0,
      findings: ['cardiomegaly'],
      chosen: false,
    },
  ],
  rerankChangedChoice: true,
  refinement: { similaritySource: 'towers', findingSets: 2, tally: [{ finding: 'cardiomegaly', candidates: 1 }], lmChoice: 1 },
  tokens: [],
  heatmap: { grid: [1, 1], views: 1, values: new Float32Array(0) },
  sentenceHeatmaps: new Float32Array(0),
  ood: { score: 3, threshold: 2, detector: { logits: [2.5], threshold: 0 }, warning: 'This does not look like a frontal chest radiograph.' },
  warnings: [],
  backend: 'wasm',
  settings: { beam: 2, alpha: 1, beta: 1, repetition_penalty: 1.2, no_repeat_ngram: 3, min_length: 2, max_length: 60 },
  timings: { encode_ms: 10, decode_ms: 20, total_ms: 30, decoder: { run_ms: 1, prefix_rows: 1, token_rows: 3 } },
};

const ctx: ExportContext = {
  report: { findings: 'Heart normal. ', impression: 'No acute disease.' },
  result,
  model: { modelId: 'serpent-tiny', modelVersion: '0.1', precision: 'int8' },
  images: [{ name: 'a.png', view: 'frontal' }],
  timestamp: new Date('2025-01-02T03:04:05Z'),
};

describe('report export', () => {
  it('writes the edited text under FINDINGS and IMPRESSION', () => {
    expect(reportAsText(ctx.report)).toBe('FINDINGS:\nHeart normal.\n\nIMPRESSION:\nNo acute disease.\n');
    const txt = reportTextFile(ctx);
    expect(txt).toContain(CLINICAL_NOTE);
    expect(txt).toContain('serpent-tiny 0.1 (int8), WASM, 2025-01-02T03:04:05.000Z');
    expect(txt).toContain('Warning: This does not look like');
  });
  it('puts model, settings, candidates with scores and the timestamp in the JSON', () => {
    const doc = JSON.parse(reportJsonFile(ctx));
    expect(doc.model).toEqual({ id: 'serpent-tiny', version: '0.1', precision: 'int8' });
    expect(doc.timestamp).toBe('2025-01-02T03:04:05.000Z');
    expect(doc.settings.beam).toBe(2);
    expect(doc.candidates).toHaveLength(2);
    expect(doc.candidates[0]).toEqual({
      text: 'heart normal. no acute disease.',
      logp: -2,
      length_norm_logp: -1,
      similarity: 0.4,
      agreement: 0,
      vote_support: 0,
      draws: 1,
      score: -0.6,
      findings: [],
      chosen: true,
    });
    expect(doc.candidates[1].findings).toEqual(['cardiomegaly']);
    expect(doc.similarity_source).toBe('towers');
    expect(doc.rerank_changed_choice).toBe(true);
    expect(doc.report.edited).toBe(true);
    expect(doc.draft.findings).toBe('heart normal.');
  });
  it('adds what the finding reader read and its weight, when the model has one', () => {
    expect(JSON.parse(reportJsonFile(ctx)).finding_reader).toBeUndefined();
    const reading = { cardiomegaly: 0.12 };
    const withReader = { ...ctx, result: { ...result, refinement: { ...result.refinement, reading, readerWeight: 0.75 } } };
    expect(JSON.parse(reportJsonFile(withReader)).finding_reader).toEqual({ weight: 0.75, p: { cardiomegaly: 0.12 } });
  });
  it('says in the text and the JSON that the page turned or inverted an image before drafting it', () => {
    const turned = { ...ctx, images: [{ name: 'side.png', view: 'frontal', fixes: ['turn_right' as const] }] };
    expect(reportTextFile(turned)).toContain('Note: side.png was turned a quarter turn clockwise on the page before drafting (the file is unchanged).');
    expect(JSON.parse(reportJsonFile(turned)).images).toEqual([{ name: 'side.png', view: 'frontal', fixes: ['turn_right'] }]);
    expect(reportTextFile(ctx)).not.toContain('before drafting');
  });

  it('names files by time without colons', () => {
    expect(reportFileStem(ctx.timestamp)).toBe('serpent-report-2025-01-02T03-04-05');
  });
  it('says in the text and the JSON when the side gate left a side out', () => {
    const measured = [{ finding: 'nodule', right: 6, sided: 13, split: 'val' }];
    const gated = { ...ctx, result: { ...result, refinement: { ...result.refinement, sideGate: { findings: ['nodule'], removed: true, measured } } } };
    expect(reportTextFile(gated)).toMatch(/\nNote: Side left out: .*nodule.*Read the side from the film\.\n$/);
    expect(JSON.parse(reportJsonFile(gated)).side_gate).toEqual({ findings: ['nodule'], removed: true, measured });
    expect(reportTextFile(ctx)).not.toContain('Side left out');
    expect(JSON.parse(reportJsonFile(ctx)).side_gate).toBeUndefined();
  });
  it('notes in the text and the JSON the findings the draft rules out without the model having been shown to read them', () => {
    const unassessed = {
      statements: [{ sentence: 1, findings: ['pneumothorax', 'pleural_effusion'] }],
      measured: [
        { finding: 'pneumothorax', positives: 8, recalled: 0 },
        { finding: 'pleural_effusion', positives: 0, recalled: 0 },
      ],
      split: 'val',
    };
    const unread = { ...ctx, result: { ...result, unassessed } };
    expect(reportTextFile(unread)).toContain(
      'Note: Not read by the model: Pneumothorax (its drafts found 0 of the 8 val films with one), Pleural Effusion (no val film has one); the draft rules them out in its usual wording, not from this film.\n',
    );
    expect(JSON.parse(reportJsonFile(unread)).not_read).toEqual(unassessed);
    const none = { ...ctx, result: { ...result, unassessed: { statements: [], measured: [], split: 'val' } } };
    expect(reportTextFile(none)).not.toContain('Not read');
    expect(JSON.parse(reportJsonFile(ctx)).not_read).toBeUndefined();
  });
  it('lists in the text and the JSON the findings flagged for a second look, only when the model has the rule', () => {
    const rule = { min_draws: 1, min_reader: 0.25, split: 'val', films: 10, images: 2, flagged: 3, share_present: 0.4 };
    const reading = { cardiomegaly: 0.3 };
    const flagged = { ...ctx, model: { ...ctx.model, secondLook: rule }, result: { ...result, refinement: { ...result.refinement, reading } } };
    expect(reportTextFile(flagged)).toMatch(/\nLeft out of the draft, worth a second look: Cardiomegaly \(1 of 2 draws; the finding reader 30 %\)\n$/);
    const recorded = { ...flagged, model: { ...flagged.model, secondLook: { ...rule, by_finding: { cardiomegaly: { flagged: 4, present: 3 } } } } };
    expect(reportTextFile(recorded)).toMatch(
      /worth a second look: Cardiomegaly \(1 of 2 draws; the finding reader 30 %\)\nSuch flags on 10 val films: Cardiomegaly: present in 3 of its 4 flags\.\n$/,
    );
    expect(JSON.parse(reportJsonFile(flagged)).second_look).toEqual({ rule, left_out: [{ finding: 'cardiomegaly', draws: 1, totalDraws: 2, reader: 0.3 }] });
    const strict = { ...flagged, model: { ...flagged.model, secondLook: { ...rule, min_draws: 2, min_reader: 0.5 } } };
    expect(reportTextFile(strict)).not.toContain('second look');
    expect(JSON.parse(reportJsonFile(strict)).second_look.left_out).toEqual([]);
    expect(reportTextFile(ctx)).not.toContain('second look');
    expect(JSON.parse(reportJsonFile(ctx)).second_look).toBeUndefined();
  });
  it('says in the text when the pneumonia type is a word the probe put in, and keeps the reading in the JSON', () => {
    const pneumonia = [{ ...result.candidates[0], findings: ['pneumonia'] }];
    const withReading = (named: boolean) => ({
      ...ctx,
      result: {
        ...result,
        candidates: pneumonia,
        refinement: { ...result.refinement, subtype: { bacterial: 0.95, margin: 0.3, allowed: 'bacterial' as const, named } },
      },
    });
    expect(reportTextFile(withReading(true))).toMatch(/\nNote: Pneumonia type: the image probe reads bacterial .*a word the probe put in.*\n$/);
    expect(reportTextFile(withReading(false))).not.toContain('Pneumonia type');
    expect(JSON.parse(reportJsonFile(withReading(true))).subtype).toEqual({ bacterial: 0.95, margin: 0.3, allowed: 'bacterial', named: true });
    expect(JSON.parse(reportJsonFile(ctx)).subtype).toBeUndefined();
  });
  it('records the distances measured in the viewer, each with the spacing its length came from, after the report', () => {
    const spacing = { row: 0.2, column: 0.1, basis: 'detector' as const };
    const measurements = [
      { image: 'chest.dcm', view: 'frontal', spacing, items: [{ id: 4, from: [10, 10] as [number, number], to: [40, 50] as [number, number] }] },
      { image: 'side.png', view: 'lateral', items: [] },
      {
        image: 'b.png',
        view: 'frontal',
        items: [
          { id: 1, from: [0, 0] as [number, number], to: [3, 4] as [number, number] },
          { id: 2, from: [0, 9] as [number, number], to: [12, 9] as [number, number] },
        ],
      },
    ];
    const txt = reportTextFile({ ...ctx, measurements });
    // 30 columns × 0.1 mm and 40 rows × 0.2 mm: 3 mm across, 8 mm down, 8.5 mm; the PNG's line is 5 of its pixels
    expect(txt).toContain(
      'No acute disease.\n\nMEASUREMENTS (made in the viewer by the reader, not by the model):\n' +
        '- chest.dcm (frontal) 1: 8.5 mm (Imager Pixel Spacing, at the detector: anatomy reads larger than it is)\n' +
        "- b.png (frontal) 1: 5 px (the file's pixels; no pixel spacing stated)\n" +
        "- b.png (frontal) 2: 12 px (the file's pixels; no pixel spacing stated)\n" +
        "- b.png (frontal) cardiothoracic ratio 0.25: line 1's horizontal width over line 2's\n\n--\n",
    );
    const doc = JSON.parse(reportJsonFile({ ...ctx, measurements }));
    expect(doc.measurements).toHaveLength(3);
    expect(doc.cardiothoracic_ratios).toEqual([{ image: 'b.png', view: 'frontal', value: 0.25, heart_line: 1, chest_line: 2 }]);
    expect(doc.measurements[0]).toMatchObject({ image: 'chest.dcm', view: 'frontal', index: 1, from_px: [10, 10], to_px: [40, 50], unit: 'mm' });
    expect(doc.measurements[0].length).toBeCloseTo(Math.hypot(3, 8), 9);
    expect(doc.measurements[1]).toMatchObject({ image: 'b.png', length: 5, unit: 'px' });
    expect(reportTextFile(ctx)).not.toContain('MEASUREMENTS');
    expect(JSON.parse(reportJsonFile(ctx)).measurements).toEqual([]);
    expect(JSON.parse(reportJsonFile(ctx)).cardiothoracic_ratios).toEqual([]);
  });
});
