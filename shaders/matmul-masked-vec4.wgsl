// Matmul through a pruning mask with vec4 loads along K (K % 4 == 0); otherwise as matmul-masked.wgsl:
//   y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] * keep(n,k) + bias[n],  keep = bit k % 32 of mask[n, k / 32]
// 4x4 outputs per invocation, no workgroup memory; one mask word per weight row feeds 8 vec4 steps (32 k).
struct Params { M: u32, N: u32, K: u32, ldy: u32, yColOffset: u32, hasBias: u32, words: u32 }
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;        // [M, K/4]
@group(0) @binding(1) var<storage, read> w: array<vec4<f32>>;        // [N, K/4]
@group(0) @binding(2) var<storage, read> bias: array<f32>;           // [N] (any buffer when hasBias == 0)
@group(0) @binding(3) var<storage, read_write> y: array<f32>;        // [M, ldy]
@group(0) @binding(4) var<uniform> p: Params;
@group(0) @binding(5) var<storage, read> mask: array<u32>;           // [N, words] bitset, 1 = kept

const LANES = vec4<u32>(1u, 2u, 4u, 8u);

fn wrow(n: u32) -> u32 { return min(n, p.N - 1u) * (p.K / 4u); }
fn xrow(m: u32) -> u32 { return min(m, p.M - 1u) * (p.K / 4u); }
fn mrow(n: u32) -> u32 { return min(n, p.N - 1u) * p.words; }
// The 4 weights w[n, 4k4 .. 4k4+3] with pruned ones zeroed (select, so a pruned Inf/NaN cannot reach the sum).
fn kept(v: vec4<f32>, nibble: u32) -> vec4<f32> { return select(vec4<f32>(0.0), v, (vec4<u32>(nibble) & LANES) != vec4<u32>(0u)); }

// store(): shaders/lib/matmul-store.wgsl, prepended by the host.
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  let K4 = p.K / 4u;
  let w0 = wrow(n0); let w1 = wrow(n0 + 1u); let w2 = wrow(n0 + 2u); let w3 = wrow(n0 + 3u);
  let b0 = mrow(n0); let b1 = mrow(n0 + 1u); let b2 = mrow(n0 + 2u); let b3 = mrow(n0 + 3u);
  let x0 = xrow(m0); let x1 = xrow(m0 + 1u); let x2 = xrow(m0 + 2u); let x3 = xrow(m0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var kw = 0u; kw < p.words; kw++) {
    var bits = vec4<u32>(mask[b0 + kw], mask[b1 + kw], mask[b2 + kw], mask[b3 + kw]);  // rows n0..n0+3, k = kw*32..
    let kEnd = min(K4, kw * 8u + 8u);
    for (var k = kw * 8u; k < kEnd; k++) {
      // Column j of W holds the kept w[n0+j, 4k..4k+3]; a row vector times W gives 4 dot products.
      let W = mat4x4<f32>(kept(w[w0 + k], bits.x), kept(w[w1 + k], bits.y), kept(w[w2 + k], bits.z), kept(w[w3 + k], bits.w));
      bits = bits >> vec4<u32>(4u);
      a0 += x[x0 + k] * W; a1 += x[x1 + k] * W; a2 += x[x2 + k] * W; a3 += x[x3 + k] * W;
    }
  }
  store(m0, n0, a0); store(m0 + 1u, n0, a1); store(m0 + 2u, n0, a2); store(m0 + 3u, n0, a3);
}
