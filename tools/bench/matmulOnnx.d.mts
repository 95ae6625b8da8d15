// Types for matmulOnnx.mjs (plain JS so the GPU script can run it without tsx).
export declare function matmulModel(m: number, k: number, n: number): Uint8Array;
export declare function matmulFlops(m: number, k: number, n: number): number;
