// Structured pruning scores of every input column of W [N, K], one invocation per column (neighbouring lanes
// read neighbouring columns of a row):
//   wanda-sp (mode 0):     out[j] = (sum_i |W_ij|) / N * sqrt(sq[j])
//   magnitude-sp (mode 1): out[j] = sqrt(sum_i W_ij^2)
//   flap (mode 2):         out[j] = var_j * sum_i W_ij^2, var_j = max(0, sq[j] / n - (sum[j] / n)^2), the input
//                          feature's (population) variance over the n calibration tokens
struct Params { N: u32, K: u32, mode: u32, tokens: f32 }
@group(0) @binding(0) var<storage, read> w: array<WStore>;           // [N, K] in its stored dtype: loadW (lib/weight-load-*.wgsl)
@group(0) @binding(1) var<storage, read> stats: array<f32>;          // [2, K]: sums of squares, then sums ([K] for wanda-sp)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // [K]
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * 64u;
  if (j >= p.K) { return; }
  var s = 0.0;
  for (var i = 0u; i < p.N; i++) {
    let v = loadW(i * p.K + j);
    s += select(abs(v), v * v, p.mode != 0u);
  }
  if (p.mode == 0u) {
    out[j] = s / f32(p.N) * sqrt(max(stats[j], 0.0));
  } else if (p.mode == 1u) {
    out[j] = sqrt(s);
  } else {
    let mean = stats[p.K + j] / p.tokens;
    out[j] = max(stats[j] / p.tokens - mean * mean, 0.0) * s;
  }
}
