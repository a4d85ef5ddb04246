// Per-row sums of pruning scores (for the layer mean that sets the outlier threshold), one workgroup per row:
//   out[i] = sum_j score[i,j],  score = |w| (mode 0, magnitude), |w| * sqrt(sq[j]) (mode 1, Wanda) or
//   (w / U_jj)^2 (mode 2, SparseGPT's w^2 / [H^-1]_jj^2 with U the Cholesky factor of H^-1; sq holds U_jj)
struct Params { N: u32, K: u32, mode: u32 }
@group(0) @binding(0) var<storage, read> w: array<WStore>;           // [N, K] in its stored dtype: loadW (lib/weight-load-*.wgsl)
@group(0) @binding(1) var<storage, read> sq: array<f32>;             // [K] sq (mode 1) or U_jj (mode 2); any buffer in mode 0
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // [N]
@group(0) @binding(3) var<uniform> p: Params;

const WG = 64u;
// score(): shaders/lib/weight-score.wgsl; reduceSum: lib/workgroup-reduce.wgsl.

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.N) { return; }
  var s = 0.0;
  for (var j = lid.x; j < p.K; j += WG) { s += score(row, j); }
  let total = reduceSum(lid.x, s);
  if (lid.x == 0u) { out[row] = total; }
}
