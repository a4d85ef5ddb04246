// Shared by the register-blocked matmul kernels (needs lib/matmul-bindings.wgsl: y, bias, p).
// Stores the 4 outputs (m, n0..n0+3) of one accumulator, plus the bias, skipping rows / columns past M / N.
fn store(m: u32, n0: u32, v: vec4<f32>) {
  if (m >= p.M) { return; }
  let base = m * p.ldy + p.yColOffset + n0;
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n < p.N) { y[base + j] = v[j] + select(0.0, bias[n], p.hasBias != 0u); }
  }
}
