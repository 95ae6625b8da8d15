import { describe, expect, it } from 'vitest';
import type { ReportResult } from '../../engine/types';
import type { InputImage } from './inputImage';
import { type DraftAction, type DraftState, draftReducer, EMPTY_DRAFT, placeholderFor, studyPhase, withheldReasonOf } from './studyLifecycle';

const result = { report: { findings: 'Clear lungs.', impression: 'Normal.' } } as ReportResult; // the reducer only carries it
const at = new Date(0);
const run = (...actions: DraftAction[]): DraftState => actions.reduce(draftReducer, EMPTY_DRAFT);
const image = (over: Partial<InputImage>): InputImage => ({ key: 'k', name: 'a.dcm', view: 'frontal', ...over }) as InputImage;

describe('draftReducer', () => {
  it('goes drafting → draft, with the streamed text and the detector flag on the way', () => {
    const drafting = run(
      { type: 'start', runId: 1, studyKey: 's' },
      { type: 'stage', runId: 1, event: { stage: 'decode', notFrontalChest: true } },
      { type: 'token', runId: 1, text: 'Clear lungs' },
    );
    expect(drafting).toMatchObject({ phase: 'drafting', partial: 'Clear lungs', notFrontalChest: true });
    expect(draftReducer(drafting, { type: 'finish', runId: 1, result, withheld: false, at })).toEqual({
      phase: 'draft',
      runId: 1,
      studyKey: 's',
      result,
      draftedAt: at,
    });
  });

  it('withholds a flagged draft until the person asks to see it', () => {
    const withheld = run({ type: 'start', runId: 1, studyKey: 's' }, { type: 'finish', runId: 1, result, withheld: true, at });
    expect(withheld.phase).toBe('withheld');
    expect(draftReducer(withheld, { type: 'reveal' })).toMatchObject({ phase: 'draft', result });
    expect(draftReducer(EMPTY_DRAFT, { type: 'reveal' })).toBe(EMPTY_DRAFT);
  });

  it('ends in error when the draft fails or is cancelled', () => {
    expect(run({ type: 'start', runId: 1, studyKey: 's' }, { type: 'fail', runId: 1, message: 'out of memory', retryable: true })).toMatchObject({
      phase: 'error',
      message: 'out of memory',
      cancelled: false,
      retryable: true,
    });
    expect(run({ type: 'start', runId: 1, studyKey: 's' }, { type: 'fail', runId: 1, message: 'blank', retryable: false })).toMatchObject({ retryable: false });
    expect(run({ type: 'start', runId: 1, studyKey: 's' }, { type: 'cancel', runId: 1 })).toMatchObject({
      phase: 'error',
      message: null,
      cancelled: true,
      retryable: true,
    });
  });

  it('ignores a replaced or reset run', () => {
    const replaced = run(
      { type: 'start', runId: 1, studyKey: 'a' },
      { type: 'start', runId: 2, studyKey: 'b' },
      { type: 'finish', runId: 1, result, withheld: false, at },
    );
    expect(replaced).toMatchObject({ phase: 'drafting', runId: 2, studyKey: 'b' });
    expect(run({ type: 'start', runId: 1, studyKey: 'a' }, { type: 'reset' }, { type: 'token', runId: 1, text: 'late' })).toBe(EMPTY_DRAFT);
  });
});

describe('studyPhase', () => {
  const draft = run({ type: 'start', runId: 1, studyKey: 's' }, { type: 'finish', runId: 1, result, withheld: false, at });
  it('is empty without images and loading until this study has a draft', () => {
    expect(studyPhase(EMPTY_DRAFT, '', false)).toBe('empty');
    expect(studyPhase(EMPTY_DRAFT, 's', true)).toBe('loading');
    expect(studyPhase(draft, 'other', true)).toBe('loading'); // a draft is only shown beside the study it was made from
    expect(studyPhase(draft, 's', true)).toBe('draft');
    expect(studyPhase(run({ type: 'start', runId: 2, studyKey: 'x' }), 's', true)).toBe('drafting');
  });
});

describe('withheldReasonOf', () => {
  it('names the images the tags refuse, else a lateral-only study', () => {
    const refused = withheldReasonOf([image({ name: 'knee.dcm', notChestRadiograph: 'the body part is KNEE' })]);
    expect(refused).toEqual({ reason: 'knee.dcm: the body part is KNEE', refusals: ['knee.dcm: the body part is KNEE'] });
    expect(withheldReasonOf([image({ view: 'lateral' })]).reason).toMatch(/only a lateral view/);
    expect(withheldReasonOf([image({}), image({ key: 'l', view: 'lateral' })]).reason).toBeNull();
  });
});

describe('placeholderFor', () => {
  it('says what the draft waits for, the model first', () => {
    expect(placeholderFor('error', true, true, false)).toMatch(/until a model is loaded/);
    expect(placeholderFor('ready', false, false, false)).toMatch(/^Drop a radiograph/);
    expect(placeholderFor('loading', true, true, false)).toMatch(/which image is the frontal view/);
    expect(placeholderFor('loading', true, false, false)).toMatch(/as soon as the model has loaded/);
    expect(placeholderFor('ready', true, false, true)).toBe('Drafting was cancelled.');
    expect(placeholderFor('ready', true, false, false)).toBe('');
  });
});
