// Tiled and register-blocked matmul: one 64x64 output tile per 16x16 workgroup, 4x4 outputs per invocation. Each
// 16-wide k slice of the tile's 64 activation rows and 64 weight rows is staged once in workgroup memory (one vec4
// per invocation and operand), so every element loaded from global memory serves 64 outputs instead of 4
// (blocked4x4) or 16 (tiled16). The shape real GPUs reward; K % 4 == 0 (vec4 loads along K).
// y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] + (hasBias ? bias[n] : 0)
// Rows past M / N are clamped on load (lib/matmul-rows.wgsl) and dropped on store; k past K is staged as zero.
// The k order of every sum is blocked4x4's (4 k per vec4 step, ascending).
alias XW = vec4<f32>;   // x: 4 consecutive k per element; w through loadW4 (lib/weight-load-*.wgsl)
const XW_WIDTH = 4u;
// Bindings: shaders/lib/matmul-bindings.wgsl; wrow, xrow: lib/matmul-rows.wgsl; store: lib/matmul-store.wgsl;
// stageW4: lib/matmul-stage-dense.wgsl, or lib/matmul-stage-masked.wgsl (+ lib/matmul-mask.wgsl) for a pruned weight.

var<workgroup> xs: array<vec4<f32>, 256>;   // [tile row (64)][4 vec4 = 16 k]
var<workgroup> ws: array<vec4<f32>, 256>;   // [tile weight row (64)][4 vec4 = 16 k]

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let tm = wid.y * 64u;
  let tn = wid.x * 64u;
  let K4 = p.K / 4u;
  // Staging: invocation li loads vec4 (li % 4) of tile row (li / 4) of both operands, i.e. xs[li] and ws[li].
  let xStage = xrow(tm + li / 4u);
  let wStage = wrow(tn + li / 4u);
  let r0 = lid.y * 4u;   // this invocation's 4 rows and 4 columns within the tile
  let c0 = lid.x * 4u;
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K4; k0 += 4u) {
    let q = k0 + li % 4u;
    var xv = vec4<f32>(0.0);
    var wv = vec4<f32>(0.0);
    if (q < K4) { xv = x[xStage + q]; wv = stageW4(tn + li / 4u, wStage, q); }
    xs[li] = xv;
    ws[li] = wv;
    workgroupBarrier();
    for (var kq = 0u; kq < 4u; kq++) {
      // Column j of W holds w[c0+j, 4 k of this step]; a row vector times W gives 4 dot products.
      let W = mat4x4<f32>(ws[c0 * 4u + kq], ws[(c0 + 1u) * 4u + kq], ws[(c0 + 2u) * 4u + kq], ws[(c0 + 3u) * 4u + kq]);
      a0 += xs[r0 * 4u + kq] * W;
      a1 += xs[(r0 + 1u) * 4u + kq] * W;
      a2 += xs[(r0 + 2u) * 4u + kq] * W;
      a3 += xs[(r0 + 3u) * 4u + kq] * W;
    }
    workgroupBarrier();
  }
  store(tm + r0, tn + c0, a0); store(tm + r0 + 1u, tn + c0, a1); store(tm + r0 + 2u, tn + c0, a2); store(tm + r0 + 3u, tn + c0, a3);
}
