// Register-blocked matmul, 16x16 outputs per invocation, no workgroup memory; vec4 loads along K (K % 4 == 0).
// y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] + (hasBias ? bias[n] : 0)
// The fastest shape on CPU-backed adapters (SwiftShader): each vec4 load feeds 16 dot products. Rows and
// columns past M / N are clamped on load (recomputing the last row/column) and masked on store.
alias XW = vec4<f32>;   // x: 4 consecutive k per element; w through loadW4 (lib/weight-load-*.wgsl)
const XW_WIDTH = 4u;
// Bindings: shaders/lib/matmul-bindings.wgsl; wrow, xrow: lib/matmul-rows.wgsl; store (4 per store16):
// lib/matmul-store.wgsl; stageW4: lib/matmul-stage-dense.wgsl, or lib/matmul-stage-masked.wgsl (+ lib/matmul-mask.wgsl)
// for a pruned weight.

@compute @workgroup_size(4, 4)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 16u;
  let m0 = gid.y * 16u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  let K4 = p.K / 4u;
  let w0 = wrow(n0 + 0u); let w1 = wrow(n0 + 1u); let w2 = wrow(n0 + 2u); let w3 = wrow(n0 + 3u); let w4 = wrow(n0 + 4u); let w5 = wrow(n0 + 5u); let w6 = wrow(n0 + 6u); let w7 = wrow(n0 + 7u);
  let w8 = wrow(n0 + 8u); let w9 = wrow(n0 + 9u); let w10 = wrow(n0 + 10u); let w11 = wrow(n0 + 11u); let w12 = wrow(n0 + 12u); let w13 = wrow(n0 + 13u); let w14 = wrow(n0 + 14u); let w15 = wrow(n0 + 15u);
  let x0 = xrow(m0 + 0u); let x1 = xrow(m0 + 1u); let x2 = xrow(m0 + 2u); let x3 = xrow(m0 + 3u); let x4 = xrow(m0 + 4u); let x5 = xrow(m0 + 5u); let x6 = xrow(m0 + 6u); let x7 = xrow(m0 + 7u);
  let x8 = xrow(m0 + 8u); let x9 = xrow(m0 + 9u); let x10 = xrow(m0 + 10u); let x11 = xrow(m0 + 11u); let x12 = xrow(m0 + 12u); let x13 = xrow(m0 + 13u); let x14 = xrow(m0 + 14u); let x15 = xrow(m0 + 15u);
  // a<i>_<c>: row m0+i, columns n0+4c .. n0+4c+3
  var a0_0 = vec4<f32>(0.0); var a0_1 = vec4<f32>(0.0); var a0_2 = vec4<f32>(0.0); var a0_3 = vec4<f32>(0.0);
  var a1_0 = vec4<f32>(0.0); var a1_1 = vec4<f32>(0.0); var a1_2 = vec4<f32>(0.0); var a1_3 = vec4<f32>(0.0);
  var a2_0 = vec4<f32>(0.0); var a2_1 = vec4<f32>(0.0); var a2_2 = vec4<f32>(0.0); var a2_3 = vec4<f32>(0.0);
  var a3_0 = vec4<f32>(0.0); var a3_1 = vec4<f32>(0.0); var a3_2 = vec4<f32>(0.0); var a3_3 = vec4<f32>(0.0);
  var a4_0 = vec4<f32>(0.0); var a4_1 = vec4<f32>(0.0); var a4_2 = vec4<f32>(0.0); var a4_3 = vec4<f32>(0.0);
  var a5_0 = vec4<f32>(0.0); var a5_1 = vec4<f32>(0.0); var a5_2 = vec4<f32>(0.0); var a5_3 = vec4<f32>(0.0);
  var a6_0 = vec4<f32>(0.0); var a6_1 = vec4<f32>(0.0); var a6_2 = vec4<f32>(0.0); var a6_3 = vec4<f32>(0.0);
  var a7_0 = vec4<f32>(0.0); var a7_1 = vec4<f32>(0.0); var a7_2 = vec4<f32>(0.0); var a7_3 = vec4<f32>(0.0);
  var a8_0 = vec4<f32>(0.0); var a8_1 = vec4<f32>(0.0); var a8_2 = vec4<f32>(0.0); var a8_3 = vec4<f32>(0.0);
  var a9_0 = vec4<f32>(0.0); var a9_1 = vec4<f32>(0.0); var a9_2 = vec4<f32>(0.0); var a9_3 = vec4<f32>(0.0);
  var a10_0 = vec4<f32>(0.0); var a10_1 = vec4<f32>(0.0); var a10_2 = vec4<f32>(0.0); var a10_3 = vec4<f32>(0.0);
  var a11_0 = vec4<f32>(0.0); var a11_1 = vec4<f32>(0.0); var a11_2 = vec4<f32>(0.0); var a11_3 = vec4<f32>(0.0);
  var a12_0 = vec4<f32>(0.0); var a12_1 = vec4<f32>(0.0); var a12_2 = vec4<f32>(0.0); var a12_3 = vec4<f32>(0.0);
  var a13_0 = vec4<f32>(0.0); var a13_1 = vec4<f32>(0.0); var a13_2 = vec4<f32>(0.0); var a13_3 = vec4<f32>(0.0);
  var a14_0 = vec4<f32>(0.0); var a14_1 = vec4<f32>(0.0); var a14_2 = vec4<f32>(0.0); var a14_3 = vec4<f32>(0.0);
  var a15_0 = vec4<f32>(0.0); var a15_1 = vec4<f32>(0.0); var a15_2 = vec4<f32>(0.0); var a15_3 = vec4<f32>(0.0);
  for (var k = 0u; k < K4; k++) {
    // Column c of Wc holds w[n0+4c+j, 4k..4k+3]; xv * Wc = 4 dot products.
    let W0 = mat4x4<f32>(stageW4(n0 + 0u, w0, k), stageW4(n0 + 1u, w1, k), stageW4(n0 + 2u, w2, k), stageW4(n0 + 3u, w3, k));
    let W1 = mat4x4<f32>(stageW4(n0 + 4u, w4, k), stageW4(n0 + 5u, w5, k), stageW4(n0 + 6u, w6, k), stageW4(n0 + 7u, w7, k));
    let W2 = mat4x4<f32>(stageW4(n0 + 8u, w8, k), stageW4(n0 + 9u, w9, k), stageW4(n0 + 10u, w10, k), stageW4(n0 + 11u, w11, k));
    let W3 = mat4x4<f32>(stageW4(n0 + 12u, w12, k), stageW4(n0 + 13u, w13, k), stageW4(n0 + 14u, w14, k), stageW4(n0 + 15u, w15, k));
    { let v = x[x0 + k]; a0_0 += v * W0; a0_1 += v * W1; a0_2 += v * W2; a0_3 += v * W3; }
    { let v = x[x1 + k]; a1_0 += v * W0; a1_1 += v * W1; a1_2 += v * W2; a1_3 += v * W3; }
    { let v = x[x2 + k]; a2_0 += v * W0; a2_1 += v * W1; a2_2 += v * W2; a2_3 += v * W3; }
    { let v = x[x3 + k]; a3_0 += v * W0; a3_1 += v * W1; a3_2 += v * W2; a3_3 += v * W3; }
    { let v = x[x4 + k]; a4_0 += v * W0; a4_1 += v * W1; a4_2 += v * W2; a4_3 += v * W3; }
    { let v = x[x5 + k]; a5_0 += v * W0; a5_1 += v * W1; a5_2 += v * W2; a5_3 += v * W3; }
    { let v = x[x6 + k]; a6_0 += v * W0; a6_1 += v * W1; a6_2 += v * W2; a6_3 += v * W3; }
    { let v = x[x7 + k]; a7_0 += v * W0; a7_1 += v * W1; a7_2 += v * W2; a7_3 += v * W3; }
    { let v = x[x8 + k]; a8_0 += v * W0; a8_1 += v * W1; a8_2 += v * W2; a8_3 += v * W3; }
    { let v = x[x9 + k]; a9_0 += v * W0; a9_1 += v * W1; a9_2 += v * W2; a9_3 += v * W3; }
    { let v = x[x10 + k]; a10_0 += v * W0; a10_1 += v * W1; a10_2 += v * W2; a10_3 += v * W3; }
    { let v = x[x11 + k]; a11_0 += v * W0; a11_1 += v * W1; a11_2 += v * W2; a11_3 += v * W3; }
    { let v = x[x12 + k]; a12_0 += v * W0; a12_1 += v * W1; a12_2 += v * W2; a12_3 += v * W3; }
    { let v = x[x13 + k]; a13_0 += v * W0; a13_1 += v * W1; a13_2 += v * W2; a13_3 += v * W3; }
    { let v = x[x14 + k]; a14_0 += v * W0; a14_1 += v * W1; a14_2 += v * W2; a14_3 += v * W3; }
    { let v = x[x15 + k]; a15_0 += v * W0; a15_1 += v * W1; a15_2 += v * W2; a15_3 += v * W3; }
  }
  store16(m0 + 0u, n0, a0_0, a0_1, a0_2, a0_3);
  store16(m0 + 1u, n0, a1_0, a1_1, a1_2, a1_3);
  store16(m0 + 2u, n0, a2_0, a2_1, a2_2, a2_3);
  store16(m0 + 3u, n0, a3_0, a3_1, a3_2, a3_3);
  store16(m0 + 4u, n0, a4_0, a4_1, a4_2, a4_3);
  store16(m0 + 5u, n0, a5_0, a5_1, a5_2, a5_3);
  store16(m0 + 6u, n0, a6_0, a6_1, a6_2, a6_3);
  store16(m0 + 7u, n0, a7_0, a7_1, a7_2, a7_3);
  store16(m0 + 8u, n0, a8_0, a8_1, a8_2, a8_3);
  store16(m0 + 9u, n0, a9_0, a9_1, a9_2, a9_3);
  store16(m0 + 10u, n0, a10_0, a10_1, a10_2, a10_3);
  store16(m0 + 11u, n0, a11_0, a11_1, a11_2, a11_3);
  store16(m0 + 12u, n0, a12_0, a12_1, a12_2, a12_3);
  store16(m0 + 13u, n0, a13_0, a13_1, a13_2, a13_3);
  store16(m0 + 14u, n0, a14_0, a14_1, a14_2, a14_3);
  store16(m0 + 15u, n0, a15_0, a15_1, a15_2, a15_3);
}

// The 16 outputs (m, n0..n0+15) of one row of accumulators.
fn store16(m: u32, n0: u32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {
  store(m, n0, v0); store(m, n0 + 4u, v1); store(m, n0 + 8u, v2); store(m, n0 + 12u, v3);
}
