import { describe, expect, it } from 'vitest';
import { FINDING_KEYS } from './findings';
import { aggregateMentions, labelReport, labelSentence, positiveFindings, type Mention } from './labeler';

const statusOf = (text: string, finding: Mention['finding']) => labelReport(text).findings[finding];
const mentionOf = (text: string, finding: Mention['finding']) => {
  const m = labelReport(text).mentions.find((x) => x.finding === finding);
  if (m === undefined) throw new Error(`no ${finding} mention in "${text}"`);
  return m;
};

describe('labelReport: negation', () => {
  it('no pleural effusion → negative', () => {
    expect(statusOf('No pleural effusion.', 'pleural_effusion')).toBe('negative');
    expect(mentionOf('No pleural effusion.', 'pleural_effusion').status).toBe('negative');
  });

  it('one negation cue reaches every finding of its list', () => {
    const r = labelReport('No evidence of pneumothorax or effusion.');
    expect(r.mentions.map((m) => [m.finding, m.status])).toEqual([
      ['pneumothorax', 'negative'],
      ['pleural_effusion', 'negative'],
    ]);
    expect(r.findings.no_finding).toBe('positive');
  });

  it('post-negation and resolution', () => {
    expect(mentionOf('Pneumothorax is not seen.', 'pneumothorax').status).toBe('negative');
    expect(mentionOf('Resolved pneumonia.', 'pneumonia').status).toBe('negative');
    expect(mentionOf('The right lower lobe pneumonia has resolved.', 'pneumonia').status).toBe('negative');
  });

  it('pseudo-negations do not negate', () => {
    expect(statusOf('No change in the small left pleural effusion.', 'pleural_effusion')).toBe('positive');
    expect(statusOf('Not only cardiomegaly but also edema.', 'cardiomegaly')).toBe('positive');
  });

  it('a clause break ends the negation scope', () => {
    const r = labelReport('No pneumothorax, but there is a small right effusion.');
    expect(r.findings.pneumothorax).toBe('negative');
    expect(r.findings.pleural_effusion).toBe('positive');
  });

  it('"no opacity to suggest pneumonia" negates pneumonia rather than making it uncertain', () => {
    expect(mentionOf('There is no focal opacity to suggest pneumonia.', 'pneumonia').status).toBe('negative');
  });
});

describe('labelReport: uncertainty', () => {
  it('possible small left effusion → uncertain, left', () => {
    const m = mentionOf('Possible small left effusion.', 'pleural_effusion');
    expect(m.status).toBe('uncertain');
    expect(m.side).toBe('left');
  });

  it('cannot exclude early infiltrate → uncertain (not negative)', () => {
    expect(statusOf('Cannot exclude early infiltrate.', 'infiltration')).toBe('uncertain');
  });

  it('"versus" makes only its neighbours uncertain', () => {
    const r = labelReport('Left basilar opacity, atelectasis versus pneumonia.');
    expect(r.findings.atelectasis).toBe('uncertain');
    expect(r.findings.pneumonia).toBe('uncertain');
    expect(mentionOf('Left basilar opacity, atelectasis versus pneumonia.', 'lung_opacity').status).toBe('positive');
  });

  it('the nearest cue decides between negation and uncertainty', () => {
    const r = labelReport('No pneumothorax, possible small effusion.');
    expect(r.findings.pneumothorax).toBe('negative');
    expect(r.findings.pleural_effusion).toBe('uncertain');
  });
});

describe('labelReport: normal statements and positives', () => {
  it('heart size is normal → cardiomegaly negative; mild cardiomegaly → positive', () => {
    expect(mentionOf('Heart size is normal.', 'cardiomegaly').status).toBe('negative');
    expect(statusOf('Heart size is normal.', 'cardiomegaly')).toBe('negative');
    expect(statusOf('Mild cardiomegaly.', 'cardiomegaly')).toBe('positive');
    expect(statusOf('The heart is mildly enlarged.', 'cardiomegaly')).toBe('positive');
    expect(statusOf('The heart is not enlarged.', 'cardiomegaly')).toBe('negative');
    expect(statusOf("There's been interval enlargement in the cardiac silhouette.", 'cardiomegaly')).toBe('positive'); // IU CXR3207
    // IU sentences that read as no finding (a scan of every IU sentence with a finding word and no mention)
    expect(statusOf('There is persistent enlargement of cardiac silhouette.', 'cardiomegaly')).toBe('positive');
    expect(statusOf('Enlarged left ventricle.', 'cardiomegaly')).toBe('positive');
    expect(statusOf('Moderate right-sided hemopneumothorax as detailed above.', 'pneumothorax')).toBe('positive');
    expect(statusOf('Enlargement of the central pulmonary arteries raising the question of pulmonary hypertension.', 'enlarged_cardiomediastinum')).toBe(
      'positive',
    );
  });

  it('right lower lobe consolidation → positive, right, RLL', () => {
    const m = mentionOf('Right lower lobe consolidation.', 'consolidation');
    expect(m).toMatchObject({ status: 'positive', side: 'right', lobe: 'RLL' });
    expect(m.sentence.slice(m.start, m.end)).toBe('consolidation');
  });

  it('bilateral peripheral ground-glass opacities → COVID-19 pattern and lung opacity, bilateral', () => {
    const r = labelReport('Bilateral peripheral ground-glass opacities.');
    expect(r.findings.covid19_pattern).toBe('positive');
    expect(r.findings.lung_opacity).toBe('positive');
    expect(mentionOf('Bilateral peripheral ground-glass opacities.', 'covid19_pattern')).toMatchObject({ side: 'bilateral', zone: 'peripheral' });
    expect(mentionOf('Bilateral peripheral ground-glass opacities.', 'lung_opacity').side).toBe('bilateral');
  });

  it('a focal ground-glass opacity is lung opacity but not the COVID-19 pattern; bilateral peripheral opacities are', () => {
    expect(positiveFindings('There is a focal ground-glass opacity in the right upper lobe.')).toEqual(['lung_opacity']);
    expect(positiveFindings('Bilateral peripheral and basal predominant opacities.')).toEqual(['lung_opacity', 'covid19_pattern']);
    expect(statusOf('No findings to suggest COVID-19 pneumonia.', 'covid19_pattern')).toBe('negative');
  });

  it('child findings lift their parents (nodule → lung lesion)', () => {
    expect(positiveFindings('A 1.5 cm nodule in the left upper lobe.')).toEqual(['lung_lesion', 'nodule']);
    const m = mentionOf('A 1.5 cm nodule in the left upper lobe.', 'nodule');
    expect(m).toMatchObject({ side: 'left', lobe: 'LUL', zone: 'upper' });
  });

  it('incidental items outside the vocabulary do not block No Finding', () => {
    const text = 'Heart size is normal. Calcified granuloma in the right upper lobe. Degenerative changes of the thoracic spine.';
    expect(positiveFindings(text)).toEqual(['no_finding']);
  });

  it('an uncertain finding blocks No Finding but is not a positive finding', () => {
    expect(positiveFindings('Possible small left effusion.')).toEqual([]);
    expect(labelReport('Possible small left effusion.').findings.no_finding).toBe('negative');
  });
});

describe('aggregateMentions', () => {
  const mention = (finding: Mention['finding'], status: Mention['status']): Mention => ({ finding, status, sentence: '', start: 0, end: 0 });

  it('positive beats uncertain beats negative; every key present', () => {
    const f = aggregateMentions([
      mention('edema', 'negative'),
      mention('edema', 'uncertain'),
      mention('atelectasis', 'uncertain'),
      mention('atelectasis', 'positive'),
    ]);
    expect(f.edema).toBe('uncertain');
    expect(f.atelectasis).toBe('positive');
    expect(f.lung_opacity).toBe('positive');
    expect(f.no_finding).toBe('negative');
    expect(Object.keys(f).sort()).toEqual([...FINDING_KEYS].sort());
  });

  it('No Finding is positive when nothing is mentioned', () => {
    expect(aggregateMentions([]).no_finding).toBe('positive');
    expect(labelSentence('')).toEqual([]);
  });
});

describe('labelSentence: the memo of labelled sentences', () => {
  it('gives the same mentions again, as copies a caller may change', () => {
    const sentence = 'Small left pleural effusion.';
    const first = labelSentence(sentence);
    expect(first.map((m) => [m.finding, m.status, m.side])).toEqual([['pleural_effusion', 'positive', 'left']]);
    first[0].status = 'negative';
    first[0].side = 'right';
    const again = labelSentence('  small LEFT pleural   effusion. '); // the same sentence once normalised
    expect(again.map((m) => [m.finding, m.status, m.side])).toEqual([['pleural_effusion', 'positive', 'left']]);
    expect(again[0]).not.toBe(first[0]);
  });
});
