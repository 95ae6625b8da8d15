// Where the src/ tests find the read-only data beside the repository (../shared/data, never committed). Node
// tests only; the CLIs take theirs from tools/cli/paths.ts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageFile } from '../types';
import { repoRoot } from './tinyModel';

export const SHARED_DATA = path.resolve(repoRoot, '../shared/data');
export const CXR_IMAGES = path.join(SHARED_DATA, 'cxr/images');
/** One real radiograph the decoder and DICOM tests start from. */
export const JSRT_RADIOGRAPH = path.join(CXR_IMAGES, 'jsrt/JPCLN001.png');

/** The folder of Debian's python3-pydicom test files (real third-party DICOM), asked of the system Python once. */
let pydicomFolder: string | null = null;
export function pydicomTestFiles(): string {
  pydicomFolder ??= execFileSync(
    '/usr/bin/python3',
    ['-c', 'import pydicom.data, os; print(os.path.dirname(pydicom.data.get_testdata_file("CT_small.dcm")))'],
    {
      encoding: 'utf8',
    },
  ).trim();
  return pydicomFolder;
}

/** A manifest row as the committed-model tests read it. */
export interface SharedRecord {
  id: string;
  split: string;
  image: string; // relative to cxr/
  pneumonia_type?: string;
  nodule?: unknown;
}

/** The rows of ../shared/data/cxr/manifest.jsonl. */
export function sharedRecords(): SharedRecord[] {
  return readFileSync(path.join(SHARED_DATA, 'cxr/manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SharedRecord);
}

/** One manifest image as the engine's generateFiles takes it. */
export function sharedImageFile(image: string): ImageFile {
  const b = readFileSync(path.join(SHARED_DATA, 'cxr', image));
  return { name: path.basename(image), bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
}
