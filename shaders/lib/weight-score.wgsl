// Shared by the outlier statistics kernels (score-row-sums.wgsl, outlier-count.wgsl). The including kernel declares
// `w: array<WStore>` [N, K] (read with loadW, lib/weight-load-*.wgsl), `sq: array<f32>` [K] and a uniform `p` with K and mode.
//   score(row, j) = |w| (mode 0, magnitude), |w| * sqrt(sq[j]) (mode 1, Wanda) or (w / sq[j])^2 (mode 2, SparseGPT's
//   w^2 / [H^-1]_jj^2, sq holding U_jj of the Cholesky factor U of H^-1), w = w[row, j].
fn score(row: u32, j: u32) -> f32 {
  let wv = loadW(row * p.K + j);
  var v = abs(wv);
  if (p.mode == 1u) { v = v * sqrt(sq[j]); }
  else if (p.mode == 2u) { let q = wv / sq[j]; v = q * q; }
  return v;
}
