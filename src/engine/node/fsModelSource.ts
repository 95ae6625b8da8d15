// A model folder on disk, for Node (report CLI, evaluation, tests). Accepts a path or a file: URL.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFileError } from '../errors';
import type { ByteProgress, ModelSource } from '../modelSource';

export class FsModelSource implements ModelSource {
  readonly location: string;

  constructor(folder: string) {
    this.location = path.resolve(folder.startsWith('file:') ? fileURLToPath(folder) : folder);
  }

  private async read(rel: string): Promise<Buffer> {
    const file = path.join(this.location, rel);
    try {
      return await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ModelFileError(rel, 'missing', `no file ${file}`);
      throw new ModelFileError(rel, 'unreadable', (err as Error).message);
    }
  }

  async fetchJson<T>(rel: string): Promise<T> {
    const text = (await this.read(rel)).toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ModelFileError(rel, 'corrupt', `not valid JSON: ${(err as Error).message}`);
    }
  }

  async fetchBytes(rel: string, onProgress?: ByteProgress): Promise<Uint8Array> {
    const buf = await this.read(rel);
    onProgress?.(buf.length, buf.length);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** True when the folder holds a manifest.json. */
  async exists(): Promise<boolean> {
    return stat(path.join(this.location, 'manifest.json')).then(
      () => true,
      () => false,
    );
  }
}
