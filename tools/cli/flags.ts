// The CLIs' flag parsing: `--flag value`, `--flag=value` and `--switch` against a table of specs, returning values
// typed by those specs (no casts in the CLIs), and the one UsageError every CLI throws for bad usage (exit 2).

/** Bad command-line usage; the message names the flag and what it accepts. The main guard exits 2 on it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type FlagType = 'string' | 'number' | 'boolean' | 'list';

export interface FlagSpec {
  type: FlagType;
  help: string;
  choices?: readonly string[];
}

/** The value a spec parses to: a choice's literal type where the spec lists choices. */
export type FlagValue<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'number'
    ? number
    : S['type'] extends 'list'
      ? S extends { choices: readonly (infer C)[] }
        ? C[]
        : string[]
      : S extends { choices: readonly (infer C)[] }
        ? C
        : string;

/** Parsed flags: each is absent unless given on the command line. */
export type Flags<Specs extends Record<string, FlagSpec>> = { [K in keyof Specs]?: FlagValue<Specs[K]> };

export function usage(command: string, specs: Record<string, FlagSpec>): string {
  const placeholder = (s: FlagSpec) => (s.type === 'boolean' ? '' : ` ${s.type === 'list' ? 'a,b' : s.type === 'number' ? 'N' : 'VALUE'}`);
  const lines = Object.entries(specs).map(([name, s]) => `  --${name}${placeholder(s)}  ${s.help}`);
  return `usage: ${command}\n${lines.join('\n')}`;
}

function parseValue(name: string, spec: FlagSpec, value: string): string | number | string[] {
  if (spec.type === 'number') {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
    return n;
  }
  if (spec.type === 'list') {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = spec.choices ? items.filter((s) => !spec.choices?.includes(s)) : [];
    if (bad.length) throw new UsageError(`--${name}: unknown ${bad.join(', ')}; choose from ${spec.choices?.join(', ')}`);
    return items;
  }
  if (spec.choices && !spec.choices.includes(value)) throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}, got "${value}"`);
  return value;
}

/** Parses argv (without node and script) into flags and, where `positionals` is set, the other arguments
 *  (file names, text); unknown flags, bad values and unexpected arguments throw UsageError. */
export function parseCommandLine<const Specs extends Record<string, FlagSpec>>(
  argv: readonly string[],
  specs: Specs,
  command: string,
  opts: { positionals?: boolean } = {},
): { flags: Flags<Specs>; positionals: string[] } {
  const flags: Record<string, string | number | boolean | string[]> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      if (opts.positionals && !arg.startsWith('-')) {
        positionals.push(arg);
        continue;
      }
      throw new UsageError(`unexpected argument "${arg}"\n${usage(command, specs)}`);
    }
    const [, name, inline] = m;
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}\n${usage(command, specs)}`);
    if (spec.type === 'boolean') {
      flags[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value: ${spec.help}`);
    flags[name] = parseValue(name, spec, value);
  }
  return { flags: flags as Flags<Specs>, positionals };
}

/** Parses argv (without node and script) against the specs; any argument that is not a flag throws UsageError. */
export function parseFlags<const Specs extends Record<string, FlagSpec>>(argv: readonly string[], specs: Specs, command: string): Flags<Specs> {
  return parseCommandLine(argv, specs, command).flags;
}

/** Flags every CLI over an image manifest shares: where the images are and which model folder to use. */
export const MANIFEST_FLAGS = {
  manifest: { type: 'string', help: 'JSONL manifest (default ../shared/data/cxr/manifest.jsonl)' },
  root: { type: 'string', help: "folder the manifest's image paths are relative to (default: the manifest's folder)" },
  model: { type: 'string', help: "model folder (default: public/models/index.json's default)" },
} as const satisfies Record<string, FlagSpec>;

/** --uncertain of the clinical scorers: whether a finding a report states as uncertain counts as asserted. */
export const UNCERTAIN_FLAG = {
  type: 'string',
  help: 'count uncertain findings as asserted (positive, default) or not (negative)',
  choices: ['positive', 'negative'],
} as const satisfies FlagSpec;
