// Nearest-neighbour retrieval by cosine similarity of pooled image embeddings (the nearest_neighbour baseline):
// rows are L2-normalised once, then a brute-force dot product per query.

export class EmbeddingIndex {
  private readonly rows: Float32Array; // [M*E] unit rows
  readonly size: number;

  constructor(
    vectors: readonly Float32Array[],
    readonly dim: number,
  ) {
    if (vectors.length === 0) throw new RangeError('EmbeddingIndex: no vectors; embed at least one training image');
    this.size = vectors.length;
    this.rows = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => {
      if (v.length !== dim) throw new RangeError(`EmbeddingIndex: vector ${i} has ${v.length} values, expected ${dim}`);
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
      for (let e = 0; e < dim; e++) this.rows[i * dim + e] = v[e] / norm;
    });
  }

  /** Index and cosine of the most similar row (first on ties). */
  nearest(query: Float32Array): { index: number; cosine: number } {
    const norm = Math.sqrt(query.reduce((s, x) => s + x * x, 0)) || 1;
    let best = -1;
    let bestCos = -Infinity;
    for (let i = 0; i < this.size; i++) {
      let dot = 0;
      const base = i * this.dim;
      for (let e = 0; e < this.dim; e++) dot += this.rows[base + e] * query[e];
      if (dot > bestCos) [best, bestCos] = [i, dot];
    }
    return { index: best, cosine: bestCos / norm };
  }
}
