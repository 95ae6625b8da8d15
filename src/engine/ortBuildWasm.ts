// onnxruntime-web's plain SIMD-threaded WASM build (ort-wasm-simd-threaded.wasm, ~14 MB): what a device
// without WebGPU downloads. Imported only through ortWeb.ts's loadOrtBuild, so it is its own chunk; Vite
// emits its .wasm next to it, served by this app (no CDN, works offline).
import * as ort from 'onnxruntime-web/wasm';

export { ort };
