// What "Copy", "Download .txt" and "Download .json" produce: the report as a radiologist edited it,
// plus (JSON) the model, settings, candidates with their scores and the time it was drafted; a side the side gate
// left out, and a pneumonia type the subtype gate put in, are said in both, so whoever reads the file knows which
// words the language model did not write; so are the findings the page flagged for a second look, and the distances the
// reader measured in the viewer (with the spacing each length came from), and a turn or inversion the page applied to an image.
import { FIX_DONE, type OrientationFix } from '../../image/orientation';
import type { LoadInfo, ReportResult } from '../../engine/types';
import { modelLabel } from './format';
import { cardiothoracicRatio, lengthOf, numberedLength, ratioText, spacingBasis, type ViewMeasurements } from './measure';
import { unassessedExportLine } from './unassessedText';
import { flagRecordLine, leftOutLabel, secondLookFindings, sideGateLine, subtypeLine } from './refinementSummary';

export const CLINICAL_NOTE = 'Draft written by an open-data demo model (Serpent). Not for clinical use; a radiologist must review every statement.';

export interface EditedReport {
  findings: string;
  impression: string;
}

export interface ExportContext {
  report: EditedReport;
  result: ReportResult;
  model: Pick<LoadInfo, 'modelId' | 'modelVersion' | 'precision' | 'secondLook'>;
  images: { name: string; view: string; fixes?: OrientationFix[] }[]; // fixes: what the page did to its pixels (fixImage)
  measurements?: readonly ViewMeasurements[]; // per view, in the study's order; views without any may be left out
  timestamp: Date;
}

export function reportAsText(report: EditedReport): string {
  return `FINDINGS:\n${report.findings.trim()}\n\nIMPRESSION:\n${report.impression.trim()}\n`;
}

/** One line per measurement, numbered as each view's list numbers them; empty when nothing was measured. */
export function measurementLines(views: readonly ViewMeasurements[] = []): string[] {
  return views.flatMap((v) => {
    const ratio = cardiothoracicRatio(v.items);
    return [
      ...v.items.map((m, i) => `- ${v.image} (${v.view}) ${numberedLength(m, i, v.spacing)} (${spacingBasis(v.spacing)})`),
      ...(ratio ? [`- ${v.image} (${v.view}) cardiothoracic ratio ${ratioText(ratio)}`] : []),
    ];
  });
}

/** The .json's measurements: each line's ends in the file's pixels, its length and unit, and the spacing behind it. */
function measurementRecords(views: readonly ViewMeasurements[] = []) {
  return views.flatMap((v) =>
    v.items.map((m, i) => {
      const length = lengthOf(m, v.spacing);
      return {
        image: v.image,
        view: v.view,
        index: i + 1,
        from_px: m.from,
        to_px: m.to,
        length: length.value,
        unit: length.unit,
        basis: spacingBasis(v.spacing),
      };
    }),
  );
}

/** The .json's cardiothoracic ratios: one per view with two lines or more, from its last two. */
function ratioRecords(views: readonly ViewMeasurements[] = []) {
  return views.flatMap((v) => {
    const ratio = cardiothoracicRatio(v.items);
    return ratio ? [{ image: v.image, view: v.view, value: ratio.value, heart_line: ratio.heart, chest_line: ratio.chest }] : [];
  });
}

export function reportTextFile(ctx: ExportContext): string {
  const measured = measurementLines(ctx.measurements);
  const sideNote = sideGateLine(ctx.result);
  const unreadNote = unassessedExportLine(ctx.result.unassessed);
  const typeNote = ctx.result.refinement.subtype?.named ? subtypeLine(ctx.result) : null;
  const leftOut = secondLookFindings(ctx.result, ctx.model.secondLook);
  const rule = ctx.model.secondLook;
  const flagRecord = rule ? flagRecordLine(leftOut, rule) : null;
  const flagLine = rule && flagRecord ? `Such flags on ${rule.films} ${rule.split} films: ${flagRecord}\n` : '';
  return (
    reportAsText(ctx.report) +
    (measured.length ? `\nMEASUREMENTS (made in the viewer by the reader, not by the model):\n${measured.join('\n')}\n` : '') +
    `\n--\n${CLINICAL_NOTE}\nModel: ${modelLabel(ctx.model)}, ` +
    `${ctx.result.backend.toUpperCase()}, ${ctx.timestamp.toISOString()}\n` +
    (ctx.result.ood.warning ? `Warning: ${ctx.result.ood.warning}\n` : '') +
    ctx.images
      .filter((im) => im.fixes?.length)
      .map((im) => `Note: ${im.name} was ${im.fixes!.map((f) => FIX_DONE[f]).join(', then ')} on the page before drafting (the file is unchanged).\n`)
      .join('') +
    (unreadNote ? `Note: ${unreadNote}\n` : '') +
    (sideNote ? `Note: ${sideNote}\n` : '') +
    (typeNote ? `Note: ${typeNote}\n` : '') +
    (leftOut.length ? `Left out of the draft, worth a second look: ${leftOut.map(leftOutLabel).join(', ')}\n` : '') +
    flagLine
  );
}

export function reportJsonFile(ctx: ExportContext): string {
  const { result } = ctx;
  const edited = ctx.report.findings.trim() !== result.report.findings.trim() || ctx.report.impression.trim() !== result.report.impression.trim();
  const doc = {
    format: 'serpent-report',
    version: 1,
    timestamp: ctx.timestamp.toISOString(),
    note: CLINICAL_NOTE,
    model: { id: ctx.model.modelId, version: ctx.model.modelVersion, precision: ctx.model.precision },
    backend: result.backend,
    images: ctx.images,
    measurements: measurementRecords(ctx.measurements),
    cardiothoracic_ratios: ratioRecords(ctx.measurements),
    report: { findings: ctx.report.findings, impression: ctx.report.impression, edited },
    draft: result.report,
    settings: result.settings,
    candidates: result.candidates.map((c) => ({
      text: c.text,
      logp: c.logp,
      length_norm_logp: c.lengthNormLogp,
      similarity: c.similarity,
      agreement: c.agreement,
      vote_support: c.support,
      draws: c.draws,
      score: c.score,
      findings: c.findings,
      chosen: c.chosen,
    })),
    rerank_changed_choice: result.rerankChangedChoice,
    similarity_source: result.refinement.similaritySource,
    ...(result.refinement.sideGate ? { side_gate: result.refinement.sideGate } : {}),
    ...(result.unassessed ? { not_read: result.unassessed } : {}),
    ...(result.refinement.subtype ? { subtype: result.refinement.subtype } : {}),
    ...(result.refinement.reading ? { finding_reader: { weight: result.refinement.readerWeight ?? 0, p: result.refinement.reading } } : {}),
    ...(ctx.model.secondLook ? { second_look: { rule: ctx.model.secondLook, left_out: secondLookFindings(result, ctx.model.secondLook) } } : {}),
    out_of_distribution: {
      score: result.ood.score,
      threshold: result.ood.threshold,
      detector: result.ood.detector,
      warning: result.ood.warning,
    },
    timings: result.timings,
  };
  return JSON.stringify(doc, null, 2);
}

/** File name stem: serpent-report-2024-05-01T10-20-30 */
export function reportFileStem(timestamp: Date): string {
  return `serpent-report-${timestamp.toISOString().slice(0, 19).replace(/:/g, '-')}`;
}
