// Where the src/ tests find the read-only data beside the repository (../shared/data, never committed). Node
// tests only; the CLIs take theirs from tools/cli/paths.ts.
import path from 'node:path';
import { repoRoot } from './tinyModel';

export const SHARED_DATA = path.resolve(repoRoot, '../shared/data');
export const CXR_IMAGES = path.join(SHARED_DATA, 'cxr/images');
/** One real radiograph the decoder and DICOM tests start from. */
export const JSRT_RADIOGRAPH = path.join(CXR_IMAGES, 'jsrt/JPCLN001.png');
