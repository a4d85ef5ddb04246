// Blocked SparseGPT factor, per block q, step b (one invocation per row r < r0): the panel above the diagonal
// block, V[r, q] = A[r, q] V_qq^-T = A[r, q] W_q^T (1 x b times b x b, W_q upper: V[r, r0 + c] =
// sum_{k >= c} A[r, r0 + k] W_q[c, k]), in place in a. Ascending c reads only A[r, r0 + k] with k >= c, so the row
// is overwritten as it goes.
@group(0) @binding(0) var<storage, read_write> a: array<f32>;       // [K, K] scratch
@group(0) @binding(1) var<storage, read> u: array<f32>;             // [K, Kp] (W_q on its diagonal block)
@group(0) @binding(2) var<uniform> blk: FactorBlock;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= blk.r0) { return; }
  let b = blk.r1 - blk.r0;
  let base = r * blk.K + blk.r0;
  var row: array<f32, FB>;
  for (var k = 0u; k < b; k++) { row[k] = a[base + k]; }
  for (var c = 0u; c < b; c++) {
    let wBase = (blk.r0 + c) * blk.Kp + blk.r0;
    var acc = 0.0;
    for (var k = c; k < b; k++) { acc += row[k] * u[wBase + k]; }
    a[base + c] = acc;
  }
}
