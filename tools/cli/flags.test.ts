import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseFlags, UsageError, type FlagSpec } from './flags';

const specs: Record<string, FlagSpec> = {
  out: { type: 'string', help: 'output file' },
  limit: { type: 'number', help: 'images' },
  systems: { type: 'list', help: 'systems', choices: ['a', 'b'] },
  device: { type: 'string', help: 'backend', choices: ['cpu', 'wasm'] },
  quick: { type: 'boolean', help: 'smoke run' },
};

describe('parseFlags', () => {
  it('reads values, inline values, lists and switches', () => {
    expect(parseFlags(['--', '--out', 'x.json', '--limit=6', '--systems', 'a,b', '--quick', '--device', 'wasm'], specs, 'cmd')).toEqual({
      out: 'x.json',
      limit: 6,
      systems: ['a', 'b'],
      quick: true,
      device: 'wasm',
    });
  });

  it('names the flag in errors', () => {
    expect(() => parseFlags(['--nope'], specs, 'cmd')).toThrow(UsageError);
    expect(() => parseFlags(['--limit', 'x'], specs, 'cmd')).toThrow(/--limit must be a number/);
    expect(() => parseFlags(['--systems', 'a,c'], specs, 'cmd')).toThrow(/unknown c/);
    expect(() => parseFlags(['--out'], specs, 'cmd')).toThrow(/needs a value/);
    expect(() => parseFlags(['--device', 'gpu'], specs, 'cmd')).toThrow(/one of cpu, wasm/);
  });
});

describe('parseCommandLine', () => {
  it('collects positionals where the command takes them, and refuses them where it does not', () => {
    expect(parseCommandLine(['a.png', '--limit', '2', 'b.png'], specs, 'cmd', { positionals: true })).toEqual({
      flags: { limit: 2 },
      positionals: ['a.png', 'b.png'],
    });
    expect(() => parseCommandLine(['a.png'], specs, 'cmd')).toThrow(/unexpected argument "a.png"/);
  });
});
