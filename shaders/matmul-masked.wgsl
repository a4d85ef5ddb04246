// Matmul through a pruning mask: y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] * keep(n,k) + bias[n],
// keep(n,k) = bit (k % 32) of mask[n * words + k / 32]. Register-blocked 4x4 like matmul-blocked4x4-scalar, scalar
// loads for any K (matmul-masked-vec4.wgsl takes K % 4 == 0); one mask word per 32 k per weight row (not one per
// element). The weights themselves are untouched.
struct Params { M: u32, N: u32, K: u32, ldy: u32, yColOffset: u32, hasBias: u32, words: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;              // [M, K]
@group(0) @binding(1) var<storage, read> w: array<f32>;              // [N, K]
@group(0) @binding(2) var<storage, read> bias: array<f32>;           // [N] (any buffer when hasBias == 0)
@group(0) @binding(3) var<storage, read_write> y: array<f32>;        // [M, ldy]
@group(0) @binding(4) var<uniform> p: Params;
@group(0) @binding(5) var<storage, read> mask: array<u32>;           // [N, words] bitset, 1 = kept

fn wrow(n: u32) -> u32 { return min(n, p.N - 1u) * p.K; }
fn xrow(m: u32) -> u32 { return min(m, p.M - 1u) * p.K; }
fn mrow(n: u32) -> u32 { return min(n, p.N - 1u) * p.words; }

// store(): shaders/lib/matmul-store.wgsl, prepended by the host.
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  let w0 = wrow(n0); let w1 = wrow(n0 + 1u); let w2 = wrow(n0 + 2u); let w3 = wrow(n0 + 3u);
  let b0 = mrow(n0); let b1 = mrow(n0 + 1u); let b2 = mrow(n0 + 2u); let b3 = mrow(n0 + 3u);
  let x0 = xrow(m0); let x1 = xrow(m0 + 1u); let x2 = xrow(m0 + 2u); let x3 = xrow(m0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var kw = 0u; kw < p.words; kw++) {
    var bits = vec4<u32>(mask[b0 + kw], mask[b1 + kw], mask[b2 + kw], mask[b3 + kw]);  // rows n0..n0+3, k = kw*32..
    let kEnd = min(p.K, kw * 32u + 32u);
    for (var k = kw * 32u; k < kEnd; k++) {
      // select, not a multiply by the bit: a pruned Inf/NaN weight must not turn the sum into NaN.
      let kept = (bits & vec4<u32>(1u)) != vec4<u32>(0u);
      bits = bits >> vec4<u32>(1u);
      let wv = select(vec4<f32>(0.0), vec4<f32>(w[w0 + k], w[w1 + k], w[w2 + k], w[w3 + k]), kept);  // w[n0..n0+3, k]
      a0 += x[x0 + k] * wv; a1 += x[x1 + k] * wv; a2 += x[x2 + k] * wv; a3 += x[x3 + k] * wv;
    }
  }
  store(m0, n0, a0); store(m0 + 1u, n0, a1); store(m0 + 2u, n0, a2); store(m0 + 3u, n0, a3);
}
