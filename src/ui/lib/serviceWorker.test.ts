// whenControlled: a page that a service worker already controls goes on at once, without waiting for the update
// check that registering again starts; an uncontrolled page waits until the worker takes it over; a page left without
// one says why (refused, install failed, bypassed by a hard reload).
import { afterEach, describe, expect, it, vi } from 'vitest';

function stubServiceWorkers(controller: object | null) {
  const listeners: Record<string, (() => void)[]> = {};
  const sw = {
    controller,
    register: vi.fn(() => new Promise(() => undefined)), // an update check that never finishes
    addEventListener: (type: string, fn: () => void) => (listeners[type] ??= []).push(fn),
  };
  vi.stubGlobal('navigator', { serviceWorker: sw });
  vi.stubEnv('DEV', false);
  return { sw, fire: (type: string) => (listeners[type] ?? []).forEach((fn) => fn()) };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('whenControlled', () => {
  it('returns the controller at once and still registers, for updates, in the background', async () => {
    const controller = { state: 'activated' };
    const { sw } = stubServiceWorkers(controller);
    const { whenControlled } = await import('./serviceWorker');
    await expect(whenControlled()).resolves.toBe(controller);
    expect(sw.register).toHaveBeenCalledTimes(1);
  });

  it('an uncontrolled page waits for registration and the takeover', async () => {
    const { sw, fire } = stubServiceWorkers(null);
    const active = { state: 'activated', addEventListener: vi.fn() };
    const installing = { state: 'installing', addEventListener: vi.fn() };
    const reg = { installing, waiting: null, active: null, addEventListener: vi.fn() };
    sw.register.mockReturnValue(Promise.resolve(reg));
    const { whenControlled } = await import('./serviceWorker');
    let settled: unknown = 'pending';
    const p = whenControlled().then((w) => (settled = w));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe('pending');
    Object.assign(reg, { installing: null, active });
    sw.controller = active;
    fire('controllerchange');
    await p;
    expect(settled).toBe(active);
  });

  it('a refused registration resolves null and keeps the browser’s error for the page to show', async () => {
    const { sw } = stubServiceWorkers(null);
    sw.register.mockReturnValue(Promise.reject(new DOMException('The user denied permission to use Service Worker.', 'SecurityError')));
    const { whenControlled, whyUncontrolled } = await import('./serviceWorker');
    expect(whyUncontrolled()).toBeNull();
    await expect(whenControlled()).resolves.toBeNull();
    expect(whyUncontrolled()).toEqual({ why: 'refused', error: 'SecurityError: The user denied permission to use Service Worker.' });

    // A register() stubbed out to resolve nothing (a privacy extension, Playwright's serviceWorkers: 'block') is a refusal too.
    vi.resetModules();
    sw.register.mockReturnValue(Promise.resolve(undefined));
    const stubbed = await import('./serviceWorker');
    await expect(stubbed.whenControlled()).resolves.toBeNull();
    expect(stubbed.whyUncontrolled()).toEqual({ why: 'refused', error: 'SecurityError: the browser returned no registration' });

    // Any other rejection (sw.js not fetched: a network error, a 404) is a failed registration, not a refusal.
    vi.resetModules();
    sw.register.mockReturnValue(Promise.reject(new TypeError('Failed to register a ServiceWorker: A bad HTTP response code (404) was received.')));
    const missing = await import('./serviceWorker');
    await expect(missing.whenControlled()).resolves.toBeNull();
    expect(missing.whyUncontrolled()).toEqual({
      why: 'install-failed',
      error: 'TypeError: Failed to register a ServiceWorker: A bad HTTP response code (404) was received.',
    });
  });

  it('an active worker that does not control the page is a bypass (hard reload); a redundant one a failed install', async () => {
    const { sw } = stubServiceWorkers(null);
    const active = { state: 'activated', addEventListener: vi.fn() };
    sw.register.mockReturnValue(Promise.resolve({ installing: null, waiting: null, active, addEventListener: vi.fn() }));
    const first = await import('./serviceWorker');
    await expect(first.whenControlled()).resolves.toBeNull();
    expect(first.whyUncontrolled()).toEqual({ why: 'bypassed' });

    vi.resetModules();
    const redundant = { state: 'redundant', addEventListener: vi.fn() };
    sw.register.mockReturnValue(Promise.resolve({ installing: redundant, waiting: null, active: null, addEventListener: vi.fn() }));
    const second = await import('./serviceWorker');
    await expect(second.whenControlled()).resolves.toBeNull();
    expect(second.whyUncontrolled()).toEqual({ why: 'install-failed' });
  });
});
