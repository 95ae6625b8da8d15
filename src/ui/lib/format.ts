// Formatting for the page: bytes, milliseconds, percentages, scores, and the model's name.

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatPercent(loaded: number, total: number | undefined): string {
  if (!total || total <= 0) return '';
  return `${Math.min(100, Math.floor((100 * loaded) / total))}%`;
}

export function formatScore(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '—';
}

/** Where the model's files came from: "9.7 MB from the offline copy", "9.7 MB downloaded", or both parts. */
export function formatLoadSource(downloadBytes: number, keptBytes = 0): string {
  const kept = Math.min(Math.max(0, keptBytes), downloadBytes);
  const fetched = downloadBytes - kept;
  if (kept === 0) return `${formatBytes(downloadBytes)} downloaded`;
  if (fetched === 0) return `${formatBytes(kept)} from the offline copy`;
  return `${formatBytes(fetched)} downloaded, ${formatBytes(kept)} from the offline copy`;
}

/** "serpent-cxr 1.8.1 (int8)": the model as the page, the report files and a saved view name it. */
export const modelLabel = (m: { modelId: string; modelVersion: string; precision: string }): string => `${m.modelId} ${m.modelVersion} (${m.precision})`;
