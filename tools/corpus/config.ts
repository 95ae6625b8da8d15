// Corpus constants: image size and normalisation (copied into meta.json, then into the model manifest),
// default flags (paths: tools/cli/paths.ts). The one place these numbers live on the TypeScript side.
export const IMAGE_SIZE = 128; // S: square model input
export const PIXEL_MEAN = 0.5; // Python: (x/255 - mean) / std
export const PIXEL_STD = 0.25;

export const DEFAULT_SEED = 1;
export const DEFAULT_REPORTS_PER_IMAGE = 4;
export const MIN_REPORTS_PER_IMAGE = 3;
export const MAX_LENGTH = 80; // L: tokens per report incl. [BOS]…[EOS]; longer reports are truncated and counted
export const VOCAB_MIN_COUNT = 2;
export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];
