// Blocked SparseGPT factor, per block q after its diagonal step, step d (one invocation per column c in [r1, K)):
// the block row right of the diagonal block becomes P_q = -W_q V[q, c] (b x b upper times b x 1), in place in a:
// the inverse step's left operand. Row block q of V is final here (later blocks' steps do not read it: their
// panels and updates stay in rows and columns < r0). Ascending rows read only V[r0 + m, c] with m >= i.
@group(0) @binding(0) var<storage, read_write> a: array<f32>;       // [K, K] scratch
@group(0) @binding(1) var<storage, read> u: array<f32>;             // [K, Kp] (W_q on its diagonal block)
@group(0) @binding(2) var<uniform> blk: FactorBlock;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = blk.r1 + gid.x;
  if (c >= blk.K) { return; }
  let b = blk.r1 - blk.r0;
  var col: array<f32, FB>;
  for (var m = 0u; m < b; m++) { col[m] = a[(blk.r0 + m) * blk.K + c]; }
  for (var i = 0u; i < b; i++) {
    let wBase = (blk.r0 + i) * blk.Kp + blk.r0;
    var acc = 0.0;
    for (var m = i; m < b; m++) { acc += u[wBase + m] * col[m]; }
    a[(blk.r0 + i) * blk.K + c] = -acc;
  }
}
