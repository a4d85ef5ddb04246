// Blocked SparseGPT factor, step 0 (one invocation per element of u [K, Kp]): the upper triangle of
// H = gram + gram^T into the scratch a [K, K] (the lower triangle is never read), u zeroed (the later steps write
// only U's upper triangle; its lower triangle and the padding columns K..Kp stay 0), status cleared.
struct Params { K: u32, Kp: u32, percDamp: f32 }
@group(0) @binding(0) var<storage, read> gram: array<f32>;          // [K, K] X^T X
@group(0) @binding(1) var<storage, read_write> a: array<f32>;       // [K, K] scratch
@group(0) @binding(2) var<storage, read_write> u: array<f32>;       // [K, Kp]
@group(0) @binding(3) var<storage, read_write> status: array<u32>;  // [1]
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let r = gid.y;
  if (r >= p.K || c >= p.Kp) { return; }
  if (r == 0u && c == 0u) { status[0] = 0u; }
  u[r * p.Kp + c] = 0.0;
  if (c >= r && c < p.K) { a[r * p.K + c] = gram[r * p.K + c] + gram[c * p.K + r]; }
}
