// Structured pruning scores of every input column of W [N, K], one invocation per column (neighbouring lanes
// read neighbouring columns of a row):
//   wanda-sp (mode 0):     out[j] = (sum_i |W_ij|) / N * sqrt(sq[j])
//   magnitude-sp (mode 1): out[j] = sqrt(sum_i W_ij^2)
struct Params { N: u32, K: u32, mode: u32 }
@group(0) @binding(0) var<storage, read> w: array<f32>;              // [N, K]
@group(0) @binding(1) var<storage, read> sq: array<f32>;             // [K] (first K of a [2, K] stats buffer)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // [K]
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * 64u;
  if (j >= p.K) { return; }
  var s = 0.0;
  for (var i = 0u; i < p.N; i++) {
    let v = w[i * p.K + j];
    s += select(abs(v), v * v, p.mode == 1u);
  }
  out[j] = select(s / f32(p.N) * sqrt(max(sq[j], 0.0)), sqrt(s), p.mode == 1u);
}
