// onnxruntime-web's WebGPU build (the asyncify .wasm, ~27 MB; it also runs WASM): downloaded only by a
// device that uses WebGPU. Imported only through ortWeb.ts's loadOrtBuild, so it is its own chunk; Vite
// emits its .wasm next to it, served by this app (no CDN, works offline).
import * as ort from 'onnxruntime-web/webgpu';

export { ort };
