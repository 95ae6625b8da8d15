// Smoke check of `npm run bench -- --quick` on the tiny model: the JSON has the documented row shape, a
// with/without KV cache pair, download sizes per precision and a roofline (timings are not asserted).
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTinyModel } from '../src/engine/testing/tinyModel';
import { main } from './bench';

describe('npm run bench -- --quick', () => {
  it('writes rows, download bytes and a roofline', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serpent-bench-'));
    const out = path.join(dir, 'bench.json');
    await main(['--quick', '--model', ensureTinyModel(), '--out', out, '--results', path.join(dir, 'RESULTS.md')]);
    const r = JSON.parse(readFileSync(out, 'utf8'));
    const engine = r.rows.filter((x: { kv_cache: boolean; session_ms?: number }) => x.session_ms !== undefined);
    expect(engine.map((x: { where: string; backend: string; beam: number }) => `${x.where}/${x.backend}/${x.beam}`).sort()).toEqual([
      'node/cpu/1',
      'node/wasm/1',
    ]);
    for (const row of engine) {
      for (const k of [
        'encode_ms_median',
        'decode_ms_per_token_median',
        'report_ms_median',
        'report_ms_p10',
        'report_ms_p90',
        'first_report_cold_ms',
        'memory_mb',
      ])
        expect(row[k]).toBeGreaterThan(0);
      expect(row.precision).toBe('fp32');
    }
    const cache = r.rows.filter((x: { session_ms?: number }) => x.session_ms === undefined);
    expect(cache.map((x: { kv_cache: boolean }) => x.kv_cache)).toEqual([true, false, true, false]);
    expect(Object.keys(r.download_bytes).sort()).toEqual(['fp32', 'int8', 'q4']);
    expect(r.download_bytes.int8).toBeLessThan(r.download_bytes.fp32);
    const manifest = JSON.parse(readFileSync(path.join(ensureTinyModel(), 'manifest.json'), 'utf8'));
    const onnx = (p: string) => Object.values(manifest.files[p] as Record<string, { bytes: number }>).reduce((s, f) => s + f.bytes, 0);
    expect(r.download_bytes.fp32 - onnx('fp32')).toBeGreaterThan(manifest.ood.detector.bytes); // + detector, tokenizer, manifest
    expect(r.download_bytes.fp32 - onnx('fp32')).toBe(r.download_bytes.q4 - onnx('q4'));
    expect(r.roofline.flops.vision_per_image).toBeGreaterThan(0);
    expect(r.roofline.rows).toHaveLength(2);
    expect(r.matmul.length).toBeGreaterThan(0);
    expect(readFileSync(path.join(dir, 'RESULTS.md'), 'utf8')).toContain('<!-- section:bench:random-tiny -->');
  });
});
