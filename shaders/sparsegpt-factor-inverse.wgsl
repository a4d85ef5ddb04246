// Blocked SparseGPT factor, per block row q (last but one to first, after every later block row), step e:
// U's block row right of its diagonal block,
//   U[r0 + i, c] = sum_{k = r1}^{c} P_q[i, k] U[k, c]      for c in [r1, K)
// (P_q = -W_q V[q, r1:] from the scale step; U's rows below are final and zero left of their diagonal, so the sum
// stops at the tile's last column). One invocation per 4 rows x 4 columns (a vec4 of u: Kp and r1 are multiples
// of 4), no workgroup memory; the padding columns come out 0.
@group(0) @binding(0) var<storage, read> a: array<f32>;             // [K, K] scratch (P_q in row block q)
@group(0) @binding(1) var<storage, read_write> u: array<vec4<f32>>; // [K, Kp / 4]
@group(0) @binding(2) var<uniform> blk: FactorBlock;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c0 = blk.r1 + gid.x * 4u;
  let i0 = gid.y * 4u;
  let b = blk.r1 - blk.r0;
  if (c0 >= blk.Kp || i0 >= b) { return; }
  let K = blk.K;
  let stride = blk.Kp / 4u;
  let kEnd = min(c0 + 4u, K);
  let p0 = (blk.r0 + i0) * K;
  var acc = mat4x4<f32>();   // acc[ii]: row i0 + ii, columns c0..c0+3
  for (var k = blk.r1; k < kEnd; k++) {
    let uk = u[k * stride + c0 / 4u];
    acc[0] += a[p0 + k] * uk;
    acc[1] += a[p0 + K + k] * uk;
    acc[2] += a[p0 + 2u * K + k] * uk;
    acc[3] += a[p0 + 3u * K + k] * uk;
  }
  for (var ii = 0u; ii < 4u; ii++) { u[(blk.r0 + i0 + ii) * stride + c0 / 4u] = acc[ii]; }
}
