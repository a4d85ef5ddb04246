// Matmul through a pruning mask with vec4 loads along K (K % 4 == 0); otherwise as matmul-masked.wgsl:
//   y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] * keep(n,k) + bias[n],  keep = bit k % 32 of mask[n, k / 32]
// 4x4 outputs per invocation, no workgroup memory; one mask word per weight row feeds 8 vec4 steps (32 k).
alias XW = vec4<f32>;   // x: 4 consecutive k per element; w through loadW4 (lib/weight-load-*.wgsl)
const XW_WIDTH = 4u;
// Bindings: shaders/lib/matmul-bindings.wgsl and lib/matmul-mask.wgsl (mask, maskWords); kept:
// lib/matmul-stage-masked.wgsl; wrow, xrow:
// lib/matmul-rows.wgsl; store: lib/matmul-store.wgsl.

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  let K4 = p.K / 4u;
  let w0 = wrow(n0); let w1 = wrow(n0 + 1u); let w2 = wrow(n0 + 2u); let w3 = wrow(n0 + 3u);
  let x0 = xrow(m0); let x1 = xrow(m0 + 1u); let x2 = xrow(m0 + 2u); let x3 = xrow(m0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var kw = 0u; kw < p.words; kw++) {
    var bits = maskWords(n0, kw);                // rows n0..n0+3, k = kw*32..
    let kEnd = min(K4, kw * 8u + 8u);
    for (var k = kw * 8u; k < kEnd; k++) {
      // Column j of W holds the kept w[n0+j, 4k..4k+3]; a row vector times W gives 4 dot products.
      let W = mat4x4<f32>(kept(loadW4(w0 + k), bits.x), kept(loadW4(w1 + k), bits.y), kept(loadW4(w2 + k), bits.z), kept(loadW4(w3 + k), bits.w));
      bits = bits >> vec4<u32>(4u);
      a0 += x[x0 + k] * W; a1 += x[x1 + k] * W; a2 += x[x2 + k] * W; a3 += x[x3 + k] * W;
    }
  }
  store(m0, n0, a0); store(m0 + 1u, n0, a1); store(m0 + 2u, n0, a2); store(m0 + 3u, n0, a3);
}
