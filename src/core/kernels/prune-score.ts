// The pruning score exactly as the kernels compute it (float32 operations), for the CPU references and callers:
//   score = |w| * sqrt(sq)  (Wanda)  or  |w|  (magnitude, sq undefined)
// The mask kernels order scores by their f32 bit pattern with the sign cleared (pruneScoreKey): for scores >= 0
// that is the order of the values, -0 equals 0, and NaN (e.g. a negative sq) ranks above +Infinity.
// One caveat the references cannot mirror: a GPU may flush subnormal results to zero (SwiftShader does).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f32 score of one weight (NaN stays NaN, as on the GPU). */
export function pruneScoreF32(w: number, sq: number | undefined): number {
  const a = Math.abs(Math.fround(w));
  return sq === undefined ? a : Math.fround(a * Math.fround(Math.sqrt(Math.fround(sq))));
}

/** SparseGPT's score w^2 / U_jj^2 as the kernels compute it: q = w / U_jj, then q * q (both f32). */
export function sparseGptScoreF32(w: number, diag: number): number {
  const q = Math.fround(Math.fround(w) / Math.fround(diag));
  return Math.fround(q * q);
}

/** The u32 ordering key of a score: lower keys are pruned first. */
export function pruneScoreKey(score: number): number {
  f32[0] = score;
  const b = u32[0] & 0x7fffffff;
  return b > 0x7f800000 ? 0xffffffff : b;
}
