// Where a finding is (side / lobe) for report composition: what a sentence says about it, whether that
// agrees with what the image's source says, and filling sentence-bank templates ({side}, {lung}, {base}, {lobe}).

export type Side = 'left' | 'right' | 'bilateral';
export type LobeLevel = 'upper' | 'middle' | 'lower';

/** The patient's side (anatomical), never the image's. */
export interface Location {
  side?: Side;
  lobe?: LobeLevel; // only with side left/right
}

export interface SentenceLocation {
  sides: Set<Side>;
  lobes: Set<LobeLevel>;
}

const SIDE_WORDS: Array<[RegExp, Side]> = [
  [/\b(?:bilateral(?:ly)?|both|bibasilar|bibasal|biapical|bi-basilar)\b/, 'bilateral'],
  [/\b(?:left|lingula|lingular)\b/, 'left'],
  [/\bright\b/, 'right'],
];
const LOBE_WORDS: Array<[RegExp, LobeLevel]> = [
  [/\bupper\b|\blingula(?:r)?\b/, 'upper'],
  [/\bmiddle\b/, 'middle'],
  [/\blower\b/, 'lower'],
];

/** Side and lobe words in a (lower-case) sentence. */
export function sentenceLocation(text: string): SentenceLocation {
  const t = text.toLowerCase();
  const sides = new Set<Side>();
  const lobes = new Set<LobeLevel>();
  for (const [re, side] of SIDE_WORDS) if (re.test(t)) sides.add(side);
  for (const [re, lobe] of LOBE_WORDS) if (re.test(t)) lobes.add(lobe);
  return { sides, lobes };
}

/**
 * May a sentence with these location words describe a finding at `target`?
 * Unknown side: the sentence names no side and no lobe. Bilateral: it says bilateral (or both left and right).
 * Left/right: it names exactly that side, and a lobe only when it is the target's lobe.
 */
export function locationFits(loc: SentenceLocation, target: Location): boolean {
  if (target.side === undefined) return loc.sides.size === 0 && loc.lobes.size === 0;
  if (target.side === 'bilateral') {
    const both = loc.sides.has('left') && loc.sides.has('right');
    return loc.sides.has('bilateral') ? loc.sides.has('left') === loc.sides.has('right') : both;
  }
  if (loc.sides.size !== 1 || !loc.sides.has(target.side)) return false;
  for (const l of loc.lobes) if (l !== target.lobe) return false;
  return true;
}

/** Fill a template's variables from a location; undefined when the template needs a value the location lacks. */
export function fillTemplate(template: string, loc: Location): string | undefined {
  const side = loc.side;
  const values: Record<string, string | undefined> = {
    side,
    lung: side === undefined ? undefined : side === 'bilateral' ? 'lungs bilaterally' : `${side} lung`,
    base: side === undefined ? undefined : side === 'bilateral' ? 'lung bases' : `${side} lung base`,
    lobe: side === 'left' || side === 'right' ? (loc.lobe === undefined ? undefined : `${side} ${loc.lobe} lobe`) : undefined,
  };
  let missing = false;
  const out = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}

/** Side from NIH boxes (1024 px originals): box centre on the image's right half = the patient's LEFT. */
export function sideFromBoxCentres(centresX: readonly number[], imageWidth: number): Side | undefined {
  if (centresX.length === 0) return undefined;
  const sides = new Set<Side>(centresX.map((x) => (x >= imageWidth / 2 ? 'left' : 'right')));
  return sides.size === 2 ? 'bilateral' : [...sides][0];
}

/** JSRT nodule position ("l.upper lobe(S1+2)", "r.middle lobe", "left lung") → side and lobe. */
export function locationFromJsrtPosition(position: string | undefined): Location {
  if (!position) return {};
  const p = position.trim().toLowerCase();
  const side: Side | undefined = /^(?:l\.|left\b)/.test(p) ? 'left' : /^(?:r\.|right\b)/.test(p) ? 'right' : undefined;
  if (side === undefined) return {};
  const lobe = /\bupper\b/.test(p) ? 'upper' : /\bmiddle\b/.test(p) ? 'middle' : /\blower\b/.test(p) ? 'lower' : undefined;
  return lobe === undefined ? { side } : { side, lobe };
}
