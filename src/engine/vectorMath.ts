// Small vector helpers for the shared image–text space (cosines, means). Float32 in, double accumulation.

export function dot(a: Float32Array, b: Float32Array, aOffset = 0, bOffset = 0, length = a.length - aOffset): number {
  let s = 0;
  for (let i = 0; i < length; i++) s += a[aOffset + i] * b[bOffset + i];
  return s;
}

export function norm(a: Float32Array, offset = 0, length = a.length - offset): number {
  return Math.sqrt(dot(a, a, offset, offset, length));
}

/** cos(a, b); 0 when either vector is zero. */
export function cosine(a: Float32Array, b: Float32Array): number {
  const d = norm(a) * norm(b);
  return d > 0 ? dot(a, b) / d : 0;
}

/** Element-wise mean of equal-length vectors; zeros when there are none. */
export function meanVector(rows: readonly Float32Array[], length: number): Float32Array {
  const out = new Float32Array(length);
  if (rows.length === 0) return out;
  const acc = new Float64Array(length);
  for (const r of rows) for (let i = 0; i < length; i++) acc[i] += r[i];
  for (let i = 0; i < length; i++) out[i] = acc[i] / rows.length;
  return out;
}
