// The baselines beside the model: always_normal (the most common normal report of the training corpus),
// nearest_neighbour (the report of the training image nearest by image_embeds cosine) and label_template
// (a linear probe on image_embeds predicts findings; the corpus composer writes them as a report).
import bankJson from '../../src/text/data/corpus/sentence_bank.json' with { type: 'json' };
import { FINDING_KEYS, type FindingKey } from '../../src/text/findings';
import { fitLinearProbe, probePredict, type LinearProbe, type ProbeOptions } from './linearProbe';
import { EmbeddingIndex } from './neighbours';

/** What the baselines need from the corpus builder's text side. */
export interface CorpusText {
  /** The K composed reports of a manifest record (same composer and seed as the corpus). */
  references(rec: { id: string }): string[];
  /** One composed report stating exactly these findings (['no_finding'] → a normal report). */
  reportForFindings(findings: readonly FindingKey[], id: string): string;
}

/** Findings the template can state: a positive sentence and an impression phrase exist under the finding's key. */
export const TEMPLATE_FINDINGS: FindingKey[] = FINDING_KEYS.filter(
  (k) => k in (bankJson.positive as Record<string, unknown>) && k in (bankJson.impression_phrases as Record<string, unknown>),
);

/** Most frequent text (ties → the lexicographically first, so the choice is stable). */
export function mostCommon(texts: readonly string[]): { text: string; count: number } {
  if (texts.length === 0) throw new RangeError('mostCommon: no reports; the training split has no normal image');
  const counts = new Map<string, number>();
  for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1);
  let best = { text: '', count: 0 };
  for (const [text, count] of counts) if (count > best.count || (count === best.count && text < best.text)) best = { text, count };
  return best;
}

export class NearestNeighbourBaseline {
  private readonly index: EmbeddingIndex;

  constructor(
    trainEmbeds: readonly Float32Array[],
    private readonly trainReport: (i: number) => string,
  ) {
    this.index = new EmbeddingIndex(trainEmbeds, trainEmbeds[0]?.length ?? 0);
  }

  report(embed: Float32Array): { text: string; index: number; cosine: number } {
    const { index, cosine } = this.index.nearest(embed);
    return { text: this.trainReport(index), index, cosine };
  }
}

export class LabelTemplateBaseline {
  readonly probe: LinearProbe;

  constructor(
    trainEmbeds: readonly Float32Array[],
    trainTruth: readonly (readonly FindingKey[])[],
    private readonly corpus: CorpusText,
    opts: ProbeOptions = {},
  ) {
    const Y = trainTruth.map((t) => Uint8Array.from(TEMPLATE_FINDINGS, (k) => (t.includes(k) ? 1 : 0)));
    this.probe = fitLinearProbe(trainEmbeds, Y, opts);
  }

  findings(embed: Float32Array): FindingKey[] {
    const on = probePredict(this.probe, embed);
    const found = TEMPLATE_FINDINGS.filter((_, f) => on[f]);
    return found.length > 0 ? found : ['no_finding'];
  }

  report(embed: Float32Array, id: string): { text: string; findings: FindingKey[] } {
    const findings = this.findings(embed);
    return { text: this.corpus.reportForFindings(findings, id), findings };
  }
}
