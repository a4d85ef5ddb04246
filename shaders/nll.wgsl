// Next-token negative log-likelihood per row, computed over the vocabulary in column slices (the logits of a
// large vocabulary do not fit one binding). One workgroup per row; each dispatch merges one slice into a running
// state (max m, sum of exp(logit - m), target logit) and writes out[t] = log(sum) + m - target logit, which is
// final after the last slice.
struct Params { T: u32, cols: u32, colStart: u32, first: u32 }
@group(0) @binding(0) var<storage, read> logits: array<f32>;         // [T, cols]  columns colStart .. of the vocabulary
@group(0) @binding(1) var<storage, read> targets: array<u32>;        // [T]
@group(0) @binding(2) var<storage, read_write> state: array<vec4<f32>>; // [T]  (m, sum, target logit, unused)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;      // [T]
@group(0) @binding(4) var<uniform> params: Params;

override WG: u32 = 256u;   // lanes per row, a power of two (1 on CPU-backed adapters: no barrier cost)
// reduceMax, reduceSum: shaders/lib/workgroup-reduce.wgsl.

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.T) { return; }
  let base = row * params.cols;
  var m = -3.0e38;
  for (var j = lid.x; j < params.cols; j += WG) { m = max(m, logits[base + j]); }
  let sliceMax = reduceMax(lid.x, m);
  workgroupBarrier();                            // every lane has read the max before reduceSum reuses red
  var s = 0.0;
  for (var j = lid.x; j < params.cols; j += WG) { s += exp(logits[base + j] - sliceMax); }
  let sliceSum = reduceSum(lid.x, s);
  if (lid.x == 0u) {
    var st = vec4<f32>(sliceMax, sliceSum, 0.0, 0.0);
    if (params.first == 0u) {
      let prev = state[row];
      let mNew = max(prev.x, sliceMax);
      st = vec4<f32>(mNew, prev.y * exp(prev.x - mNew) + sliceSum * exp(sliceMax - mNew), prev.z, 0.0);
    }
    let tgt = targets[row];
    if (tgt >= params.colStart && tgt - params.colStart < params.cols) { st.z = logits[base + tgt - params.colStart]; }
    state[row] = st;
    out[row] = log(st.y) + st.x - st.z;
  }
}
