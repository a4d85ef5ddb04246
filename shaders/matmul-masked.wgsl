// Matmul through a pruning mask: y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] * keep(n,k) + bias[n],
// keep(n,k) = bit (k % 32) of mask[n * words + k / 32]. Register-blocked 4x4 like matmul-blocked4x4-scalar, scalar
// loads for any K (matmul-masked-vec4.wgsl takes K % 4 == 0); one mask word per 32 k per weight row (not one per
// element). The weights themselves are untouched.
alias XW = f32;         // x one k per element; w through loadW (lib/weight-load-*.wgsl)
const XW_WIDTH = 1u;
// Bindings: shaders/lib/matmul-bindings.wgsl and lib/matmul-mask.wgsl (mask, maskWords); wrow, xrow:
// lib/matmul-rows.wgsl; store: lib/matmul-store.wgsl.

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  let w0 = wrow(n0); let w1 = wrow(n0 + 1u); let w2 = wrow(n0 + 2u); let w3 = wrow(n0 + 3u);
  let x0 = xrow(m0); let x1 = xrow(m0 + 1u); let x2 = xrow(m0 + 2u); let x3 = xrow(m0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var kw = 0u; kw < p.words; kw++) {
    var bits = maskWords(n0, kw);                // rows n0..n0+3, k = kw*32..
    let kEnd = min(p.K, kw * 32u + 32u);
    for (var k = kw * 32u; k < kEnd; k++) {
      // select, not a multiply by the bit: a pruned Inf/NaN weight must not turn the sum into NaN.
      let kept = (bits & vec4<u32>(1u)) != vec4<u32>(0u);
      bits = bits >> vec4<u32>(1u);
      let wv = select(vec4<f32>(0.0), vec4<f32>(loadW(w0 + k), loadW(w1 + k), loadW(w2 + k), loadW(w3 + k)), kept);  // w[n0..n0+3, k]
      a0 += x[x0 + k] * wv; a1 += x[x1 + k] * wv; a2 += x[x2 + k] * wv; a3 += x[x3 + k] * wv;
    }
  }
  store(m0, n0, a0); store(m0 + 1u, n0, a1); store(m0 + 2u, n0, a2); store(m0 + 3u, n0, a3);
}
