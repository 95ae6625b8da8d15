// A small `--flag value` / `--flag=value` / `--switch` parser for the eval and bench CLIs, with typed errors
// that name the flag and what it accepts.

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  type: 'string' | 'number' | 'boolean' | 'list';
  help: string;
  choices?: readonly string[];
}

export type ParsedFlags = Record<string, string | number | boolean | string[] | undefined>;

export function usage(command: string, specs: Record<string, FlagSpec>): string {
  const lines = Object.entries(specs).map(([name, s]) => `  --${name}${s.type === 'boolean' ? '' : ` ${s.type === 'list' ? 'a,b' : s.type === 'number' ? 'N' : 'VALUE'}`}  ${s.help}`);
  return `usage: ${command}\n${lines.join('\n')}`;
}

/** Parses argv (without node and script) against the specs; unknown flags and bad values throw UsageError. */
export function parseFlags(argv: readonly string[], specs: Record<string, FlagSpec>, command: string): ParsedFlags {
  const out: ParsedFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument "${arg}"\n${usage(command, specs)}`);
    const [, name, inline] = m;
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}\n${usage(command, specs)}`);
    if (spec.type === 'boolean') {
      out[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value: ${spec.help}`);
    if (spec.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
      out[name] = n;
    } else if (spec.type === 'list') {
      const items = value.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = spec.choices ? items.filter((s) => !spec.choices!.includes(s)) : [];
      if (bad.length) throw new UsageError(`--${name}: unknown ${bad.join(', ')}; choose from ${spec.choices!.join(', ')}`);
      out[name] = items;
    } else {
      if (spec.choices && !spec.choices.includes(value)) throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}, got "${value}"`);
      out[name] = value;
    }
  }
  return out;
}

/** Flags every CLI over an image manifest shares: where the images are and which model folder to use. */
export const MANIFEST_FLAGS: Record<'manifest' | 'root' | 'model', FlagSpec> = {
  manifest: { type: 'string', help: 'JSONL manifest (default ../shared/data/cxr/manifest.jsonl)' },
  root: { type: 'string', help: "folder the manifest's image paths are relative to (default: the manifest's folder)" },
  model: { type: 'string', help: "model folder (default: public/models/index.json's default)" },
};
