// SparseGPT, after a block [i1, i2) is swept: the columns right of it absorb its pruning errors,
//   w[r, c] -= sum_{i < cnt} err[r, i] * U[i1 + i, c]      for c in [i2, K)
// (a [N, cnt] x [cnt, K - i2] product). One invocation per 4x4 tile in registers, no workgroup memory
// (CPU-backed adapters such as SwiftShader pay far more for barriers than they gain from sharing).
struct MapParams { N: u32, K: u32, words: u32, B: u32, nmN: u32, nmM: u32 }
struct BlockParams { i1: u32, i2: u32, block: u32, first: u32 }
@group(0) @binding(0) var<storage, read_write> w: array<f32>;        // [N, K]
@group(0) @binding(1) var<storage, read> u: array<f32>;              // [K, K]
@group(0) @binding(2) var<storage, read> err: array<f32>;            // [N, B]
@group(0) @binding(3) var<uniform> p: MapParams;
@group(0) @binding(4) var<uniform> b: BlockParams;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c0 = b.i2 + gid.x * 4u;   // columns c0..c0+3
  let r0 = gid.y * 4u;          // rows r0..r0+3
  if (c0 >= p.K || r0 >= p.N) { return; }
  let cnt = b.i2 - b.i1;
  // Indices past the edges are clamped: those lanes compute values that are never stored.
  let rows = min(vec4<u32>(r0, r0 + 1u, r0 + 2u, r0 + 3u), vec4<u32>(p.N - 1u));
  let cols = min(vec4<u32>(c0, c0 + 1u, c0 + 2u, c0 + 3u), vec4<u32>(p.K - 1u));
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var i = 0u; i < cnt; i++) {
    let ur = (b.i1 + i) * p.K;
    let uv = vec4<f32>(u[ur + cols.x], u[ur + cols.y], u[ur + cols.z], u[ur + cols.w]);
    a0 += err[rows.x * p.B + i] * uv;
    a1 += err[rows.y * p.B + i] * uv;
    a2 += err[rows.z * p.B + i] * uv;
    a3 += err[rows.w * p.B + i] * uv;
  }
  store(r0, c0, a0); store(r0 + 1u, c0, a1); store(r0 + 2u, c0, a2); store(r0 + 3u, c0, a3);
}

fn store(r: u32, c0: u32, v: vec4<f32>) {
  if (r >= p.N) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (c0 + j < p.K) { w[r * p.K + c0 + j] -= v[j]; }
  }
}
