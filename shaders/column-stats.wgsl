// Calibration statistics of a linear map's input, accumulated across windows (never all activations at once):
//   stats[k]     += sum_t x[t, k]^2     (squared column norm: Wanda, OWL, MRP)
//   stats[K + k] += sum_t x[t, k]       (column sum: FLAP's mean and variance)
// One invocation per column. x holds T / seq batched windows of seq rows: each window's rows are summed in order
// and then added, so a batch leaves the same bits as one dispatch per window.
struct Params { T: u32, K: u32, seq: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;              // [T, K]
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;    // [2, K]
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * 64u;
  if (k >= params.K) { return; }
  var accSq = stats[k];
  var accSum = stats[params.K + k];
  for (var t0 = 0u; t0 < params.T; t0 += params.seq) {
    var sq = 0.0;
    var sum = 0.0;
    for (var t = t0; t < t0 + params.seq; t++) {
      let v = x[t * params.K + k];
      sq += v * v;
      sum += v;
    }
    accSq += sq;
    accSum += sum;
  }
  stats[k] = accSq;
  stats[params.K + k] = accSum;
}
