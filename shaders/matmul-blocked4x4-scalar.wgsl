// Register-blocked matmul, 4x4 outputs per invocation, no workgroup memory; scalar loads (any K).
// y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] + (hasBias ? bias[n] : 0)
// Rows/columns past M / N are clamped on load (recomputing the last row/column) and masked on store.
struct Params { M: u32, N: u32, K: u32, ldy: u32, yColOffset: u32, hasBias: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;              // [M, K]    activations
@group(0) @binding(1) var<storage, read> w: array<f32>;              // [N, K]    weight, Linear layout [out, in]
@group(0) @binding(2) var<storage, read> bias: array<f32>;           // [N]       (any buffer when hasBias == 0)
@group(0) @binding(3) var<storage, read_write> y: array<f32>;        // [M, ldy]  output rows, column slice
@group(0) @binding(4) var<uniform> p: Params;

fn wrow(n: u32) -> u32 { return min(n, p.N - 1u) * p.K; }
fn xrow(m: u32) -> u32 { return min(m, p.M - 1u) * p.K; }

// store(): shaders/lib/matmul-store.wgsl, prepended by the host.
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  let w0 = wrow(n0); let w1 = wrow(n0 + 1u); let w2 = wrow(n0 + 2u); let w3 = wrow(n0 + 3u);
  let x0 = xrow(m0); let x1 = xrow(m0 + 1u); let x2 = xrow(m0 + 2u); let x3 = xrow(m0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var k = 0u; k < p.K; k++) {
    let wv = vec4<f32>(w[w0 + k], w[w1 + k], w[w2 + k], w[w3 + k]);   // w[n0..n0+3, k]
    a0 += x[x0 + k] * wv; a1 += x[x1 + k] * wv; a2 += x[x2 + k] * wv; a3 += x[x3 + k] * wv;
  }
  store(m0, n0, a0); store(m0 + 1u, n0, a1); store(m0 + 2u, n0, a2); store(m0 + 3u, n0, a3);
}
