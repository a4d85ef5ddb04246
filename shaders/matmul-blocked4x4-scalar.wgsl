// Register-blocked matmul, 4x4 outputs per invocation, no workgroup memory; scalar loads (any K).
// y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] + (hasBias ? bias[n] : 0)
// Rows/columns past M / N are clamped on load (recomputing the last row/column) and masked on store.
alias XW = f32;         // x one k per element; w through loadW (lib/weight-load-*.wgsl)
const XW_WIDTH = 1u;
// Bindings: shaders/lib/matmul-bindings.wgsl; wrow, xrow: lib/matmul-rows.wgsl; store: lib/matmul-store.wgsl.

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  let w0 = wrow(n0); let w1 = wrow(n0 + 1u); let w2 = wrow(n0 + 2u); let w3 = wrow(n0 + 3u);
  let x0 = xrow(m0); let x1 = xrow(m0 + 1u); let x2 = xrow(m0 + 2u); let x3 = xrow(m0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var k = 0u; k < p.K; k++) {
    let wv = vec4<f32>(loadW(w0 + k), loadW(w1 + k), loadW(w2 + k), loadW(w3 + k));   // w[n0..n0+3, k]
    a0 += x[x0 + k] * wv; a1 += x[x1 + k] * wv; a2 += x[x2 + k] * wv; a3 += x[x3 + k] * wv;
  }
  store(m0, n0, a0); store(m0 + 1u, n0, a1); store(m0 + 2u, n0, a2); store(m0 + 3u, n0, a3);
}
