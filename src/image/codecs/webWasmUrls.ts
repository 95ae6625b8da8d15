// The page's (and its worker's) codec .wasm files, served by the app itself: Vite emits them as assets, so the
// service worker's precache list holds them and DICOM decoding works offline. Import once in each thread.
import jpegWasm from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm?url';
import charlsWasm from '@cornerstonejs/codec-charls/decodewasm?url';
import openjpegWasm from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import openjphWasm from '@cornerstonejs/codec-openjph/wasm?url';
import { setCodecWasmUrls, type WasmCodec } from './index';

const URLS: Record<WasmCodec, string> = { jpeg: jpegWasm, 'jpeg-ls': charlsWasm, j2k: openjpegWasm, htj2k: openjphWasm };

setCodecWasmUrls((codec) => new URL(URLS[codec], globalThis.location?.href).href);
