// Blocked SparseGPT factor, per block q, step c: the trailing update of the block's panel,
//   A[i, j] -= sum_{c < b} V[i, r0 + c] V[j, r0 + c]     for i <= j < r0
// (a rank-b update of the upper triangle). One invocation per 4 x 4 tile in registers, no workgroup memory (as
// sparsegpt-propagate.wgsl); tiles wholly below the diagonal return at once.
@group(0) @binding(0) var<storage, read_write> a: array<f32>;       // [K, K] scratch
@group(0) @binding(1) var<uniform> blk: FactorBlock;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j0 = gid.x * 4u;
  let i0 = gid.y * 4u;
  let n = blk.r0;
  if (i0 >= n || j0 >= n || i0 > j0 + 3u) { return; }
  let K = blk.K;
  let b = blk.r1 - blk.r0;
  // Rows past n read row n - 1 (in range) and are not written.
  let ri = vec4<u32>(min(i0, n - 1u), min(i0 + 1u, n - 1u), min(i0 + 2u, n - 1u), min(i0 + 3u, n - 1u)) * K + blk.r0;
  let rj = vec4<u32>(min(j0, n - 1u), min(j0 + 1u, n - 1u), min(j0 + 2u, n - 1u), min(j0 + 3u, n - 1u)) * K + blk.r0;
  var acc = mat4x4<f32>();   // acc[jj][ii]
  for (var c = 0u; c < b; c++) {
    let vi = vec4<f32>(a[ri.x + c], a[ri.y + c], a[ri.z + c], a[ri.w + c]);
    let vj = vec4<f32>(a[rj.x + c], a[rj.y + c], a[rj.z + c], a[rj.w + c]);
    acc[0] += vi * vj.x; acc[1] += vi * vj.y; acc[2] += vi * vj.z; acc[3] += vi * vj.w;
  }
  for (var jj = 0u; jj < 4u; jj++) {
    let j = j0 + jj;
    for (var ii = 0u; ii < 4u; ii++) {
      let i = i0 + ii;
      if (j < n && i <= j) { a[i * K + j] -= acc[jj][ii]; }
    }
  }
}
