// Blocked SparseGPT factor, per block q (last to first), step a (one workgroup of FB lanes): the diagonal block
// A_qq (b x b, b = r1 - r0, already updated by every later block) is factored A_qq = V_qq V_qq^T with V_qq upper,
// from its last column back, in workgroup memory; then W_q = V_qq^-1 (upper) goes to u's diagonal block (it is
// U's diagonal block, and the panel and scale steps multiply by it) and W_q's diagonal to diagU. A pivot that is
// not positive and finite puts 1 + its column in status[0] (the first one only) and counts as 1, as in the
// one-workgroup kernel: the host discards this factor and retries with more damping.
@group(0) @binding(0) var<storage, read> a: array<f32>;             // [K, K] scratch (upper triangle)
@group(0) @binding(1) var<storage, read_write> u: array<f32>;       // [K, Kp]
@group(0) @binding(2) var<storage, read_write> diagU: array<f32>;   // [K]
@group(0) @binding(3) var<storage, read_write> status: array<u32>;  // [1]
@group(0) @binding(4) var<uniform> blk: FactorBlock;

const F32_MAX = 3.4028234e38;
var<workgroup> v: array<f32, FB * FB>;   // [b, b] row stride FB: A_qq, then V_qq in its upper triangle

@compute @workgroup_size(FB)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = lid.x;
  let K = blk.K;
  let r0 = blk.r0;
  let b = blk.r1 - blk.r0;
  for (var idx = lane; idx < b * b; idx += FB) {
    let i = idx / b;
    let j = idx % b;
    v[i * FB + j] = select(0.0, a[(r0 + i) * K + r0 + j], j >= i);
  }
  workgroupBarrier();
  // Column j of V_qq is A's column j (rows < j) over sqrt(pivot); then the top-left j x j block loses its outer
  // product. Lane i owns row i. The diagonal keeps the raw pivot until the end (each lane keeps its own d).
  var dOwn = 1.0;
  for (var jj = 0u; jj < b; jj++) {
    let j = b - 1u - jj;
    var pivot = v[j * FB + j];
    if (!(pivot > 0.0 && pivot <= F32_MAX)) {
      if (lane == 0u && status[0] == 0u) { status[0] = r0 + j + 1u; }
      pivot = 1.0;
    }
    let d = sqrt(pivot);
    if (lane == j) { dOwn = d; }
    if (lane < j) { v[lane * FB + j] /= d; }
    workgroupBarrier();
    if (lane < j) {
      let vij = v[lane * FB + j];
      for (var c = lane; c < j; c++) { v[lane * FB + c] -= vij * v[c * FB + j]; }
    }
    workgroupBarrier();
  }
  if (lane < b) { v[lane * FB + lane] = dOwn; }
  workgroupBarrier();
  // W = V_qq^-1, one column per lane (back substitution), straight into u.
  if (lane < b) {
    let c = lane;
    var w: array<f32, FB>;
    w[c] = 1.0 / v[c * FB + c];
    for (var ii = 0u; ii < c; ii++) {
      let i = c - 1u - ii;
      var acc = 0.0;
      for (var k = i + 1u; k <= c; k++) { acc += v[i * FB + k] * w[k]; }
      w[i] = -acc / v[i * FB + i];
    }
    for (var i = 0u; i <= c; i++) { u[(r0 + i) * blk.Kp + r0 + c] = w[i]; }
    diagU[r0 + c] = w[c];
  }
}
