// SparseGPT's inverse-Hessian factor on the GPU (f32), the twin of inverseHessianFactor (sparsegpt-solver.ts):
//   H = gram + gram^T; dead inputs (H_jj = 0): H_jj = 1; H += percDamp * mean(diag H) * I;
//   H = V V^T with V upper (a Cholesky run from the last column back: the reversal of the CPU path), then
//   U = V^-1 (upper), so H^-1 = U^T U: the factor the column sweep reads, with its diagonal and the dead flags.
// One workgroup (K barriers): the path for K up to one block; past it kernels/sparsegpt-factor-blocked.ts runs the
// blocked, multi-workgroup form (same contract). A pivot that is not positive and finite puts 1 + its column in
// status[0]; the host retries with more damping. Nothing K x K leaves the GPU.
struct Params { K: u32, Kp: u32, percDamp: f32 }
@group(0) @binding(0) var<storage, read> gram: array<f32>;        // [K, K] X^T X
@group(0) @binding(1) var<storage, read_write> a: array<f32>;     // [K, K] scratch: H, then V in its upper triangle
@group(0) @binding(2) var<storage, read_write> u: array<f32>;     // [K, Kp] U, zero below the diagonal and in the padding
@group(0) @binding(3) var<storage, read_write> dead: array<u32>;  // [K] 1 = dead input
@group(0) @binding(4) var<storage, read_write> diagU: array<f32>; // [K] U_jj
@group(0) @binding(5) var<storage, read_write> status: array<u32>; // [1] 0 = ok, else 1 + column of the first bad pivot
@group(0) @binding(6) var<uniform> p: Params;

const WG = 256u;
const F32_MAX = 3.4028234e38;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = lid.x;
  let K = p.K;
  if (lane == 0u) { status[0] = 0u; }
  for (var i = lane; i < K * K; i += WG) { a[i] = gram[i] + gram[(i % K) * K + i / K]; }
  storageBarrier();
  var s = 0.0;
  for (var j = lane; j < K; j += WG) {
    let isDead = a[j * K + j] == 0.0;
    dead[j] = select(0u, 1u, isDead);
    if (isDead) { a[j * K + j] = 1.0; }
    s += a[j * K + j];
  }
  let damp = p.percDamp * reduceSum(lane, s) / f32(K);
  for (var j = lane; j < K; j += WG) { a[j * K + j] += damp; }
  // Right-looking, last column first: column j of V is H's column j (rows <= j) over sqrt(pivot), then the
  // top-left j x j block loses its outer product.
  for (var jj = 0u; jj < K; jj++) {
    let j = K - 1u - jj;
    storageBarrier();
    var pivot = a[j * K + j];
    if (!(pivot > 0.0 && pivot <= F32_MAX)) {
      if (lane == 0u && status[0] == 0u) { status[0] = j + 1u; }
      pivot = 1.0;   // keeps going without NaNs; the host discards this factor
    }
    let d = sqrt(pivot);
    for (var i = lane; i < j; i += WG) { a[i * K + j] /= d; }
    storageBarrier();
    if (lane == 0u) { a[j * K + j] = d; }
    for (var idx = lane; idx < j * j; idx += WG) {
      let r = idx / j;
      let c = idx % j;
      if (c >= r) { a[r * K + c] -= a[r * K + j] * a[c * K + j]; }
    }
  }
  storageBarrier();
  // U = V^-1, one column per invocation (columns are independent back substitutions).
  for (var c = lane; c < p.Kp; c += WG) {
    for (var i = 0u; i < K; i++) { u[i * p.Kp + c] = 0.0; }
    if (c >= K) { continue; }
    u[c * p.Kp + c] = 1.0 / a[c * K + c];
    for (var ii = 0u; ii < c; ii++) {
      let i = c - 1u - ii;
      var acc = 0.0;
      for (var k = i + 1u; k <= c; k++) { acc += a[i * K + k] * u[k * p.Kp + c]; }
      u[i * p.Kp + c] = -acc / a[i * K + i];
    }
    diagU[c] = u[c * p.Kp + c];
  }
}
