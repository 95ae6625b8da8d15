// The load line says where the model came from: fetched, the offline copy, or part of each.
import { describe, expect, it } from 'vitest';
import { formatLoadSource } from './format';

describe('formatLoadSource', () => {
  it('names the downloaded and the kept share', () => {
    const MB = 1024 * 1024;
    expect(formatLoadSource(9.7 * MB)).toBe('9.7 MB downloaded');
    expect(formatLoadSource(9.7 * MB, 9.7 * MB)).toBe('9.7 MB from the offline copy');
    expect(formatLoadSource(10 * MB, 4 * MB)).toBe('6.0 MB downloaded, 4.0 MB from the offline copy');
    expect(formatLoadSource(2 * MB, 5 * MB)).toBe('2.0 MB from the offline copy'); // never more kept than loaded
  });
});
