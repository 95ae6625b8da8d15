// Which installed model the Node CLIs (report, eval, bench, sweep) use when none is named: the default in
// public/models/index.json (the page reads the same file), else the first folder holding a manifest.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export class NoModelError extends Error {
  override name = 'NoModelError';
}

export const publicModelsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../public/models');

export function defaultModelDir(modelsDir = publicModelsDir): string {
  const index = path.join(modelsDir, 'index.json');
  if (existsSync(index)) {
    const { default: id, models } = JSON.parse(readFileSync(index, 'utf8')) as { default: string; models: { id: string; path: string }[] };
    const entry = models.find((m) => m.id === id) ?? models[0];
    if (entry) return path.resolve(modelsDir, entry.path);
  }
  const folders = existsSync(modelsDir) ? readdirSync(modelsDir).sort() : [];
  const found = folders.find((f) => existsSync(path.join(modelsDir, f, 'manifest.json')));
  if (!found) throw new NoModelError(`no model in ${modelsDir}: export one (npm run export -- …) or pass --model DIR.`);
  return path.join(modelsDir, found);
}
