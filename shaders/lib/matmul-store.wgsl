// Shared by the 4x4 register-blocked matmul kernels. The including kernel declares `y: array<f32>` [M, ldy],
// `bias: array<f32>` [N] and a uniform `p` with M, N, ldy, yColOffset and hasBias.
// Stores the 4 outputs (m, n0..n0+3) of one accumulator row, plus the bias, skipping rows / columns past M / N.
fn store(m: u32, n0: u32, v: vec4<f32>) {
  if (m >= p.M) { return; }
  let base = m * p.ldy + p.yColOffset + n0;
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n < p.N) { y[base + j] = v[j] + select(0.0, bias[n], p.hasBias != 0u); }
  }
}
