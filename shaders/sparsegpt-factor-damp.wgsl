// Blocked SparseGPT factor, step 1 (one workgroup, O(K)): dead inputs (H_jj = 0) get H_jj = 1 and their flag, then
// H += percDamp * mean(diag H) * I, on a's diagonal. The same arithmetic as the one-workgroup sparsegpt-factor.wgsl.
struct Params { K: u32, Kp: u32, percDamp: f32 }
@group(0) @binding(0) var<storage, read_write> a: array<f32>;       // [K, K] H (upper triangle)
@group(0) @binding(1) var<storage, read_write> dead: array<u32>;    // [K] 1 = dead input
@group(0) @binding(2) var<uniform> p: Params;

const WG = 256u;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = lid.x;
  let K = p.K;
  var s = 0.0;
  for (var j = lane; j < K; j += WG) {
    let isDead = a[j * K + j] == 0.0;
    dead[j] = select(0u, 1u, isDead);
    if (isDead) { a[j * K + j] = 1.0; }
    s += a[j * K + j];
  }
  let damp = p.percDamp * reduceSum(lane, s) / f32(K);
  for (var j = lane; j < K; j += WG) { a[j * K + j] += damp; }
}
