// Typed engine errors: each says what went wrong and what a person should do about it.
// Their `name`s cross the worker boundary as strings; `rebuildError` turns them back into classes
// (the image decoder's errors too, so the page can test `instanceof ImageFormatError`).
import { DicomUnsupportedError, ImageCorruptError, ImageFormatError, ImageSizeError, ImageTimeoutError } from '../image/errors';

export class ModelVersionError extends Error {
  override name = 'ModelVersionError';
  constructor(
    readonly found: string,
    readonly needed: string,
  ) {
    super(`This model folder is ${found}, but this version of Serpent needs ${needed}. Download the model folder that matches this app (or update the app).`);
  }
}

export class ModelFileError extends Error {
  override name = 'ModelFileError';
  constructor(
    readonly file: string,
    readonly problem: 'missing' | 'corrupt' | 'unreadable',
    detail = '',
  ) {
    const what =
      problem === 'missing' ? `is missing${detail ? ` (${detail})` : ''}` : problem === 'corrupt' ? `is corrupt (${detail})` : `cannot be read (${detail})`;
    super(`The model file ${file} ${what}. Re-download the model folder and try again.`);
  }
}

export class ModelManifestError extends Error {
  override name = 'ModelManifestError';
  constructor(message: string) {
    super(`${message} Re-download the model folder, or pick another model.`);
  }
}

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

export class EngineNotLoadedError extends Error {
  override name = 'EngineNotLoadedError';
  constructor() {
    super('No model is loaded yet. Load a model folder first, then generate.');
  }
}

export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

export class InvalidSettingError extends Error {
  override name = 'InvalidSettingError';
}

export class GenerationCancelledError extends Error {
  override name = 'GenerationCancelledError';
  constructor() {
    super('Report generation was cancelled.');
  }
}

export interface SerializedError {
  name: string;
  message: string;
  fields?: Record<string, string | number | boolean>; // the error's own data (file, problem, found, needed)
}

const errorClasses: Record<string, { prototype: Error }> = {
  ModelVersionError,
  ModelFileError,
  ModelManifestError,
  BackendUnavailableError,
  EngineNotLoadedError,
  InvalidInputError,
  InvalidSettingError,
  GenerationCancelledError,
  ImageFormatError,
  ImageCorruptError,
  ImageSizeError,
  DicomUnsupportedError,
  ImageTimeoutError,
};

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k !== 'name' && k !== 'message' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) fields[k] = v;
  }
  return { name: err.name, message: err.message, fields };
}

/** Turn a serialised error back into an Error with the same name, message and fields; typed where the class is known. */
export function rebuildError(e: SerializedError): Error {
  const cls = errorClasses[e.name];
  const err: Error = cls ? (Object.create(cls.prototype) as Error) : new Error(e.message);
  Object.assign(err, e.fields ?? {});
  Object.assign(err, { name: e.name, message: e.message, stack: `${e.name}: ${e.message}` });
  return err;
}

export function isCancelled(err: unknown): boolean {
  return err instanceof GenerationCancelledError || (err instanceof Error && err.name === 'GenerationCancelledError');
}

/** Errors that say the images themselves cannot be drafted (unreadable, blank, wrong shape): drafting the same
 *  files again gives the same error, so the page offers no retry. By name, as errors cross the worker boundary. */
const INPUT_ERROR_NAMES = new Set(['InvalidInputError', 'ImageFormatError', 'ImageCorruptError', 'ImageSizeError', 'ImageBlankError', 'DicomUnsupportedError']);

export function isInputError(err: unknown): boolean {
  return err instanceof Error && INPUT_ERROR_NAMES.has(err.name);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new GenerationCancelledError();
}
