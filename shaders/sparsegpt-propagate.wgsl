// SparseGPT, after a block [i1, i2) is swept: the columns right of it absorb its pruning errors,
//   w[r, c] -= sum_{i < cnt} err[i, r] * U[i1 + i, c]      for c in [i2, K)
// (a [N, cnt] x [cnt, K - i2] product). One invocation per 4x4 tile in registers, no workgroup memory
// (CPU-backed adapters such as SwiftShader pay far more for barriers than they gain from sharing). U's rows are
// padded to Kp and err is stored transposed with rows padded to Np (both multiples of 4, zero-filled past K and
// N), so every load is an aligned vec4: 4 columns of U, 4 rows of err.
struct MapParams { N: u32, K: u32, words: u32, B: u32, nmN: u32, nmM: u32, Kp: u32, Np: u32 }
struct BlockParams { i1: u32, i2: u32, block: u32, first: u32 }
@group(0) @binding(0) var<storage, read_write> w: array<f32>;        // [N, K]
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;        // [K, Kp / 4]
@group(0) @binding(2) var<storage, read> err: array<vec4<f32>>;      // [B, Np / 4]
@group(0) @binding(3) var<uniform> p: MapParams;
@group(0) @binding(4) var<uniform> b: BlockParams;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c0 = b.i2 + gid.x * 4u;   // columns c0..c0+3 (i2 is a multiple of 4: a block boundary)
  let r0 = gid.y * 4u;          // rows r0..r0+3
  if (c0 >= p.K || r0 >= p.N) { return; }
  let cnt = b.i2 - b.i1;
  let uStride = p.Kp / 4u;
  let eStride = p.Np / 4u;
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  // Propagation only follows full blocks (cnt = B, a multiple of 32): four rows of U per iteration.
  for (var i = 0u; i < cnt; i += 4u) {
    let ub = (b.i1 + i) * uStride + c0 / 4u;
    let eb = i * eStride + r0 / 4u;
    // Columns: U[i1 + i + k, c0..c0+3] and err[i + k, r0..r0+3] for k = 0..3.
    let Uq = mat4x4<f32>(u[ub], u[ub + uStride], u[ub + 2u * uStride], u[ub + 3u * uStride]);
    let Et = transpose(mat4x4<f32>(err[eb], err[eb + eStride], err[eb + 2u * eStride], err[eb + 3u * eStride]));
    a0 += Uq * Et[0]; a1 += Uq * Et[1]; a2 += Uq * Et[2]; a3 += Uq * Et[3];
  }
  store(r0, c0, a0); store(r0 + 1u, c0, a1); store(r0 + 2u, c0, a2); store(r0 + 3u, c0, a3);
}

fn store(r: u32, c0: u32, v: vec4<f32>) {
  if (r >= p.N) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (c0 + j < p.K) { w[r * p.K + c0 + j] -= v[j]; }
  }
}
