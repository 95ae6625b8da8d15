// uncontrolledState: what the offline chip and panel say when no service worker controls the page, by why.
import { describe, expect, it } from 'vitest';
import { uncontrolledState } from './useOfflineCache';

describe('uncontrolledState', () => {
  it('a refused worker is not called a failure, names the browser’s error and says what to allow', () => {
    const s = uncontrolledState({ why: 'refused', error: 'SecurityError: denied' });
    expect(s.phase).toBe('refused');
    expect(s.error).toContain('(SecurityError: denied)');
    expect(s.error).toMatch(/allow them for this site/);
  });

  it('a hard reload says to reload normally; a failed install or an unknown cause is an error that says to reload', () => {
    expect(uncontrolledState({ why: 'bypassed' })).toMatchObject({ phase: 'bypassed', error: expect.stringMatching(/Reload the page normally/) });
    for (const u of [{ why: 'install-failed' } as const, null])
      expect(uncontrolledState(u)).toMatchObject({ phase: 'error', error: expect.stringMatching(/did not start\)\. Reload the page to try again/) });
    expect(uncontrolledState({ why: 'install-failed', error: 'TypeError: 404' }).error).toContain('(the service worker did not start: TypeError: 404)');
  });
});
