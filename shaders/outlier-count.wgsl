// Outliers per row, one workgroup per row: out[2i] = #{j : score[i,j] > t}, out[2i+1] = the same among weights
// still kept by the mask (MRP's redundancy counts only the remaining weights). Scores as in score-row-sums.wgsl.
struct Params { N: u32, K: u32, mode: u32, words: u32, hasMask: u32 }
struct Threshold { t: f32 }
@group(0) @binding(0) var<storage, read> w: array<WStore>;           // [N, K] in its stored dtype: loadW (lib/weight-load-*.wgsl)
@group(0) @binding(1) var<storage, read> sq: array<f32>;             // [K] sq (mode 1) or U_jj (mode 2); any buffer in mode 0
@group(0) @binding(2) var<storage, read> mask: array<u32>;           // [N, words] (any buffer when hasMask == 0)
@group(0) @binding(3) var<storage, read_write> out: array<u32>;      // [N, 2]
@group(0) @binding(4) var<uniform> p: Params;
@group(0) @binding(5) var<uniform> threshold: Threshold;

const WG = 64u;
// score(): shaders/lib/weight-score.wgsl.
var<workgroup> cntAll: array<u32, WG>;
var<workgroup> cntKept: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.N) { return; }
  var a = 0u;
  var b = 0u;
  for (var j = lid.x; j < p.K; j += WG) {
    let v = score(row, j);
    if (v > threshold.t) {
      a++;
      let isKept = p.hasMask == 0u || ((mask[row * p.words + j / 32u] >> (j & 31u)) & 1u) == 1u;
      if (isKept) { b++; }
    }
  }
  cntAll[lid.x] = a;
  cntKept[lid.x] = b;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid.x < stride) { cntAll[lid.x] += cntAll[lid.x + stride]; cntKept[lid.x] += cntKept[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[2u * row] = cntAll[0]; out[2u * row + 1u] = cntKept[0]; }
}
