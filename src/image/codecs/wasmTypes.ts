// The shape every @cornerstonejs/codec-* decoder class shares (JPEGDecoder, JpegLSDecoder, J2KDecoder, HTJ2KDecoder).
export interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}

export type EmscriptenModule = Record<string, new () => WasmDecoder>;

export type EmscriptenFactory = (options?: {
  locateFile?: (path: string, prefix: string) => string;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}) => Promise<EmscriptenModule>;
