// Validation inputs for the labeler: an RFC 4180 CSV parser for IU's indiana_reports.csv and the mapping of
// its human MeSH codes to our findings (rules in data/labeler/mesh_map.json). No file access here.
import meshMapJson from './data/labeler/mesh_map.json' with { type: 'json' };
import { isFindingKey, withAncestors, type FindingKey } from './findings';

export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
}

/** Parses CSV text (quoted fields, "" escapes, commas and newlines inside quotes) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') inQuotes = false;
      else field += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && field.length === 0) inQuotes = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
    } else field += ch;
    i += 1;
  }
  if (inQuotes) throw new CsvFormatError('CSV ends inside a quoted field: the file is truncated or a quote is unbalanced.');
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface IuReport {
  uid: string;
  mesh: string;
  problems: string;
  findings: string;
  impression: string;
}

const REQUIRED_COLUMNS = ['uid', 'MeSH', 'Problems', 'findings', 'impression'] as const;

/** Reads indiana_reports.csv text into reports; throws CsvFormatError when a column is missing. */
export function readIuReports(csvText: string): IuReport[] {
  const [header, ...rows] = parseCsv(csvText);
  if (header === undefined) throw new CsvFormatError('indiana_reports.csv is empty; expected a header row.');
  const index = Object.fromEntries(REQUIRED_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<(typeof REQUIRED_COLUMNS)[number], number>;
  const missing = REQUIRED_COLUMNS.filter((c) => index[c] < 0);
  if (missing.length > 0) {
    throw new CsvFormatError(`indiana_reports.csv lacks column(s) ${missing.join(', ')}; expected ${REQUIRED_COLUMNS.join(', ')}.`);
  }
  return rows
    .filter((r) => r.length > 1 || (r[0] ?? '').trim().length > 0)
    .map((r) => ({
      uid: r[index.uid] ?? '',
      mesh: r[index.MeSH] ?? '',
      problems: r[index.Problems] ?? '',
      findings: r[index.findings] ?? '',
      impression: r[index.impression] ?? '',
    }));
}

interface MeshRule {
  heads: string[];
  any?: string[];
  none?: string[];
  findings: string[];
}

const norm = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();
const MESH_RULES = (meshMapJson.rules as MeshRule[]).map((r) => {
  const bad = r.findings.filter((f) => !isFindingKey(f));
  if (bad.length > 0) throw new CsvFormatError(`mesh_map.json names unknown finding(s) ${bad.join(', ')}; use keys of findings.json.`);
  return {
    heads: new Set(r.heads.map(norm)),
    any: r.any?.map(norm),
    none: r.none?.map(norm),
    findings: r.findings as FindingKey[],
  };
});
const IGNORED_HEADS = new Set(meshMapJson.ignored_heads.map(norm));

export interface MeshMapping {
  findings: FindingKey[]; // mapped findings plus parents, vocabulary order, no_finding included when nothing maps
  unmappedHeads: string[]; // heads neither mapped nor listed as ignored (the map should be completed)
  indexed: boolean; // false for 'No Indexing' or an empty code field: the report has no human label set
}

/** Maps one report's MeSH field ("Cardiomegaly/borderline;Pleural Effusion/left") to gold findings. */
export function meshToFindings(meshField: string): MeshMapping {
  const terms = meshField
    .split(';')
    .map(norm)
    .filter((t) => t.length > 0);
  const indexed = terms.length > 0 && !terms.includes('no indexing');
  const found = new Set<FindingKey>();
  const unmapped = new Set<string>();
  for (const term of terms) {
    const [head, ...qualifiers] = term.split('/').map((p) => p.trim());
    let matched = false;
    for (const rule of MESH_RULES) {
      if (!rule.heads.has(head)) continue;
      if (rule.any !== undefined && !qualifiers.some((q) => rule.any?.includes(q))) continue;
      if (rule.none !== undefined && qualifiers.some((q) => rule.none?.includes(q))) continue;
      for (const f of rule.findings) found.add(f);
      matched = true;
    }
    if (!matched && !IGNORED_HEADS.has(head)) unmapped.add(head);
  }
  const findings = withAncestors(found);
  return { findings: findings.length === 0 ? ['no_finding'] : findings, unmappedHeads: [...unmapped], indexed };
}

export interface ValidationCase {
  uid: string;
  text: string; // findings + impression as given to the labeler
  gold: Set<FindingKey>;
  predicted: Set<FindingKey>;
}

export interface ValidationSet {
  cases: ValidationCase[];
  skippedNotIndexed: number; // 'No Indexing' or no codes: no human label set to compare with
  skippedNoText: number; // neither findings nor impression
  unmappedHeads: Map<string, number>;
}

/** Predicted label set from a labeler result: positive (and uncertain when asked); No Finding when nothing is left. */
export function predictedSet(findings: Record<FindingKey, 'positive' | 'negative' | 'uncertain'>, uncertainAsPositive: boolean): Set<FindingKey> {
  const set = new Set<FindingKey>();
  for (const [key, status] of Object.entries(findings) as Array<[FindingKey, string]>) {
    if (key === 'no_finding') continue;
    if (status === 'positive' || (uncertainAsPositive && status === 'uncertain')) set.add(key);
  }
  if (set.size === 0) set.add('no_finding');
  return set;
}

/** Builds gold and predicted label sets for every indexed report that has text. */
export function buildValidationSet(
  reports: readonly IuReport[],
  label: (text: string) => { findings: Record<FindingKey, 'positive' | 'negative' | 'uncertain'> },
  uncertainAsPositive: boolean,
): ValidationSet {
  const out: ValidationSet = { cases: [], skippedNotIndexed: 0, skippedNoText: 0, unmappedHeads: new Map() };
  for (const r of reports) {
    const text = [r.findings.trim(), r.impression.trim()].filter((t) => t.length > 0).join(' ');
    const mapping = meshToFindings(r.mesh.trim().length > 0 ? r.mesh : r.problems);
    for (const h of mapping.unmappedHeads) out.unmappedHeads.set(h, (out.unmappedHeads.get(h) ?? 0) + 1);
    if (!mapping.indexed) {
      out.skippedNotIndexed += 1;
      continue;
    }
    if (text.length === 0) {
      out.skippedNoText += 1;
      continue;
    }
    out.cases.push({
      uid: r.uid,
      text,
      gold: new Set(mapping.findings),
      predicted: predictedSet(label(text).findings, uncertainAsPositive),
    });
  }
  return out;
}
