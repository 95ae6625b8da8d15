// The compressed-frame decoders, each loaded the first time a file needs it (dynamic import → its own chunk,
// and its .wasm fetched then): libjpeg-turbo (JPEG baseline, and large plain JPEG files), this project's 12-bit
// lossy JPEG decoder (jpegExtended.ts, plain TypeScript, always here), jpeg-lossless-decoder-js
// (JPEG lossless, process 14 / SV1), CharLS (JPEG-LS), OpenJPEG (JPEG 2000) and OpenJPH (HTJ2K). In the page,
// setCodecWasmUrls (webWasmUrls.ts) points them at the .wasm files the app serves; in Node the packages find their own.
import { DicomUnsupportedError, ImageCorruptError, ImageFormatError } from '../errors';
import type { JpegHeader } from '../sniff';
import type { CodecKind, DicomHeader } from '../dicomParse';
import { readStreamHeader } from './frameHeader';
import { decodeJpegExtended } from './jpegExtended';
import type { EmscriptenFactory, EmscriptenModule, WasmDecoder } from './wasmTypes';

export type WasmCodec = 'jpeg' | 'jpeg-ls' | 'j2k' | 'htj2k';

/** A decoded frame: interleaved samples (colour comes back as RGB from every codec here). */
export interface DecodedFrame {
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  samples: Uint8Array | Uint16Array; // [height*width*components]
}

const WASM: Record<WasmCodec, { load: () => Promise<{ default: EmscriptenFactory }>; decoder: string; name: string }> = {
  jpeg: { load: () => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'), decoder: 'JPEGDecoder', name: 'JPEG' },
  'jpeg-ls': { load: () => import('@cornerstonejs/codec-charls/decodewasmjs'), decoder: 'JpegLSDecoder', name: 'JPEG-LS' },
  j2k: { load: () => import('@cornerstonejs/codec-openjpeg/decodewasmjs'), decoder: 'J2KDecoder', name: 'JPEG 2000' },
  htj2k: { load: () => import('@cornerstonejs/codec-openjph/wasmjs'), decoder: 'HTJ2KDecoder', name: 'HTJ2K' },
};

let wasmUrl: ((codec: WasmCodec) => string) | null = null;
const modules = new Map<WasmCodec, Promise<EmscriptenModule>>();

/** The page's .wasm locations (set once, before the first decode; Node needs none). */
export function setCodecWasmUrls(urlFor: (codec: WasmCodec) => string): void {
  wasmUrl = urlFor;
}

/** Which codecs have been loaded in this thread so far (the page and tests read it). */
export const loadedCodecs = (): WasmCodec[] => [...modules.keys()];

function loadModule(codec: WasmCodec): Promise<EmscriptenModule> {
  let m = modules.get(codec);
  if (!m) {
    const urlFor = wasmUrl;
    const quiet = (): void => undefined;
    m = WASM[codec].load().then(({ default: factory }) => factory({ print: quiet, printErr: quiet, ...(urlFor ? { locateFile: () => urlFor(codec) } : {}) }));
    m.catch(() => modules.delete(codec)); // a failed download may be retried with the next file
    modules.set(codec, m);
  }
  return m;
}

/** A whole 8-bit JPEG file (JFIF/EXIF) → interleaved samples, through the same libjpeg-turbo as DICOM's JPEG
 *  baseline. Throws whatever the loader or the decoder throws: its caller falls back to jpeg-js. */
export async function decodeJpegFile(bytes: Uint8Array): Promise<DecodedFrame> {
  const mod = await loadModule('jpeg');
  const decoder = new mod[WASM.jpeg.decoder]();
  try {
    return readFrame(decoder, bytes);
  } finally {
    decoder.delete();
  }
}

/**
 * A plain JPEG file the 8-bit decoders cannot read: 12-bit lossy (process 4), lossless (SOF3) or JPEG-LS (SOF55),
 * e.g. a film exported from a PACS at its full depth. A DICOM frame of the same coding is a whole JPEG stream, so
 * the decoders DICOM uses read the file as it is; their errors are reworded for a plain file.
 */
export async function decodeJpegFileVariant(bytes: Uint8Array, header: JpegHeader): Promise<DecodedFrame> {
  let out: DecodedFrame;
  try {
    if (header.sof === 0xf7) out = await decodeWasm('jpeg-ls', bytes);
    else if (header.sof === 0xc3) out = { ...(await decodeJpegLossless(bytes)), width: header.width, height: header.height };
    else out = decodeExtended(bytes);
  } catch (err) {
    throw reworded(err, 'JPEG');
  }
  if (out.width !== header.width || out.height !== header.height) {
    throw new ImageCorruptError('JPEG', `it decodes to ${out.width}×${out.height}×${out.components} but its header says ${header.width}×${header.height}`);
  }
  return out;
}

/** A plain JPEG 2000 file's codestream (codecs/jpeg2000File.ts) through OpenJPEG, or OpenJPH when it is HTJ2K. */
export async function decodeJpeg2000Codestream(codestream: Uint8Array, highThroughput: boolean): Promise<DecodedFrame> {
  try {
    return await decodeWasm(highThroughput ? 'htj2k' : 'j2k', codestream);
  } catch (err) {
    throw reworded(err, 'JPEG 2000');
  }
}

/** A DICOM decoder's error, said of a plain file of `format` instead. */
export function reworded(err: unknown, format: string): unknown {
  if (err instanceof DicomUnsupportedError) return new ImageFormatError(err.detail);
  if (err instanceof ImageCorruptError && err.format === 'DICOM') return new ImageCorruptError(format, err.detail);
  return err;
}

/** Runs one decoder on a codestream; the samples are copied out of the WebAssembly heap. */
function readFrame(decoder: WasmDecoder, frame: Uint8Array): DecodedFrame {
  decoder.getEncodedBuffer(frame.length).set(frame);
  decoder.decode();
  const info = decoder.getFrameInfo();
  const bytes = decoder.getDecodedBuffer();
  const wide = info.bitsPerSample > 8;
  const expected = info.width * info.height * info.componentCount * (wide ? 2 : 1);
  if (bytes.length < expected) throw new Error(`it gave ${bytes.length} bytes for ${expected}`);
  const copy = bytes.slice(0, expected);
  return {
    width: info.width,
    height: info.height,
    components: info.componentCount,
    bitsPerSample: info.bitsPerSample,
    samples: wide ? new Uint16Array(copy.buffer, 0, expected / 2) : copy,
  };
}

function emscriptenMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'number' ? 'the decoder rejected the codestream' : String(err);
}

async function decodeWasm(codec: WasmCodec, frame: Uint8Array): Promise<DecodedFrame> {
  let mod: EmscriptenModule;
  try {
    mod = await loadModule(codec);
  } catch (err) {
    throw new DicomUnsupportedError(`The ${WASM[codec].name} decoder could not be loaded (${emscriptenMessage(err)}); reload the page while online once.`);
  }
  let decoder: WasmDecoder | null = null;
  try {
    decoder = new mod[WASM[codec].decoder]();
    return readFrame(decoder, frame);
  } catch (err) {
    throw new ImageCorruptError('DICOM', `its ${WASM[codec].name} codestream cannot be decoded: ${emscriptenMessage(err)}`);
  } finally {
    decoder?.delete();
  }
}

/** Whether a codestream ends with JPEG's EOI or JPEG 2000's EOC (both FF D9), past the zero bytes a DICOM fragment
 *  may be padded with. */
export function endsWithEoi(stream: Uint8Array): boolean {
  let end = stream.length;
  while (end > 2 && stream[end - 1] === 0 && stream.length - end < 4) end--;
  return stream[end - 2] === 0xff && stream[end - 1] === 0xd9;
}

async function decodeJpegLossless(frame: Uint8Array): Promise<DecodedFrame> {
  // jpeg-lossless-decoder-js decodes a cut-short stream without a word, making up the missing rows.
  if (!endsWithEoi(frame)) throw new ImageCorruptError('DICOM', 'its JPEG lossless codestream has no end-of-image marker, so it is cut short');
  const { Decoder } = await import('jpeg-lossless-decoder-js');
  const decoder = new Decoder();
  let out: Uint8Array | Uint16Array;
  try {
    const copy = frame.slice();
    out = decoder.decode(copy.buffer, 0, copy.length);
  } catch (err) {
    throw new ImageCorruptError('DICOM', `its JPEG lossless codestream cannot be decoded: ${emscriptenMessage(err)}`);
  }
  const precision = decoder.precision ?? 8;
  return { width: NaN, height: NaN, components: decoder.numComp, bitsPerSample: precision, samples: out };
}

/** Frame 1's codestream → samples, with the codestream's size checked against the header first. */
export async function decodeCompressedFrame(codec: Exclude<CodecKind, 'native' | 'rle'>, frame: Uint8Array, header: DicomHeader): Promise<DecodedFrame> {
  const { rows, columns } = header;
  if (codec === 'j2k' || codec === 'htj2k') {
    const stream = readStreamHeader('j2k', frame, rows, columns);
    const out = checked(await decodeWasm(codec, frame), header);
    if (!stream.signed) withinPrecision(out.samples, stream.precision);
    return out;
  }
  const stream = readStreamHeader('jpeg', frame, rows, columns);
  if (codec === 'jpeg-ls' || stream.sof === 0xf7) return checked(await decodeWasm('jpeg-ls', frame), header);
  // Files are sometimes labelled with the wrong JPEG syntax: the frame marker decides which decoder reads them.
  if (stream.sof === 0xc3) {
    const out = await decodeJpegLossless(frame);
    return checked({ ...out, width: columns, height: rows }, header);
  }
  if (stream.precision > 8) return checked(decodeExtended(frame), header);
  return checked(await decodeWasm('jpeg', frame), header);
}

/** 12-bit lossy JPEG through this project's own decoder (jpegExtended.ts); its typed errors pass as they are. */
function decodeExtended(frame: Uint8Array): DecodedFrame {
  try {
    return decodeJpegExtended(frame);
  } catch (err) {
    if (err instanceof ImageCorruptError || err instanceof DicomUnsupportedError) throw err;
    throw new ImageCorruptError('DICOM', `its 12-bit JPEG codestream cannot be decoded: ${emscriptenMessage(err)}`);
  }
}

/** OpenJPH does not clamp: a damaged stream can decode to samples beyond its own precision, which the DICOM path
 *  would then mask to Bits Stored without a word. */
function withinPrecision(samples: Uint8Array | Uint16Array, precision: number): void {
  const top = 2 ** precision - 1;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i] > top) throw new ImageCorruptError('DICOM', `its JPEG 2000 codestream decodes to samples beyond its own ${precision} bits`);
  }
}

function checked(out: DecodedFrame, header: DicomHeader): DecodedFrame {
  const n = header.rows * header.columns * header.samplesPerPixel;
  if (out.width !== header.columns || out.height !== header.rows || out.components !== header.samplesPerPixel || out.samples.length < n) {
    throw new ImageCorruptError(
      'DICOM',
      `its codestream decodes to ${out.width}×${out.height}×${out.components} ` +
        `but the header says ${header.columns}×${header.rows}×${header.samplesPerPixel}`,
    );
  }
  return out;
}
