// Whether the browser keeps this site's storage (the offline model) under storage pressure, and how much it
// uses: navigator.storage.persist() is asked once the model is kept, and estimate() gives the space used.

export interface StorageKeep {
  persisted: boolean | null; // null: this browser cannot say
  usage: number | null; // bytes this site uses
  quota: number | null; // bytes it may use
}

const NONE: StorageKeep = { persisted: null, usage: null, quota: null };

/** `ask`: request persistence when it is not granted yet (Chromium decides without a prompt). */
export async function keepStorage(ask: boolean): Promise<StorageKeep> {
  const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  if (!storage) return NONE;
  let persisted: boolean | null = storage.persisted ? await storage.persisted().catch(() => null) : null;
  if (ask && persisted === false && storage.persist) persisted = await storage.persist().catch(() => false);
  const estimate = storage.estimate ? await storage.estimate().catch(() => null) : null;
  return { persisted, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null };
}
