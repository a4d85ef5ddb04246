// Shared by the row-wise mask kernels (needs lib/score-bits.wgsl). The including kernel declares
// `w: array<WStore>` [N, K] (read with loadW, lib/weight-load-*.wgsl), `sq: array<f32>` [K] and a uniform `p` with K and useSq.
//   key(row, j) orders score[row, j] = |w[row, j]| * sqrt(sq[j]) (Wanda, useSq = 1) or |w[row, j]| (magnitude).
fn key(row: u32, j: u32) -> u32 {
  var s = abs(loadW(row * p.K + j));
  if (p.useSq != 0u) { s = s * sqrt(sq[j]); }
  return scoreBits(s);
}
