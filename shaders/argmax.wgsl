// The index of each row's largest logit, over the vocabulary in column slices (as nll.wgsl reads them). Ties go to
// the lowest index, as torch.argmax does: lm-eval's is_greedy compares the continuation with logits.argmax(-1).
// One workgroup per row; each dispatch merges one slice into a running state (max value bits, its index) and writes
// out[t], which is final after the last slice.
struct Params { T: u32, cols: u32, colStart: u32, first: u32 }
@group(0) @binding(0) var<storage, read> logits: array<f32>;            // [T, cols]  columns colStart .. of the vocabulary
@group(0) @binding(1) var<storage, read_write> state: array<vec2<u32>>; // [T]  (bits of the max so far, its column)
@group(0) @binding(2) var<storage, read_write> out: array<u32>;         // [T]
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 256u;   // lanes per row, a power of two (1 on CPU-backed adapters: no barrier cost)
var<workgroup> bestValue: array<f32, WG>;
var<workgroup> bestIndex: array<u32, WG>;

/** Whether (v, i) beats (w, j): larger, or equal and earlier. */
fn beats(v: f32, i: u32, w: f32, j: u32) -> bool {
  return v > w || (v == w && i < j);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.T) { return; }
  let base = row * params.cols;
  var v = -3.4028234e38;   // about the lowest f32 (a constant -inf does not compile); an empty lane's index loses ties
  var i = 0xffffffffu;
  // Columns ascend within a lane, so strict > keeps the first of equal values.
  for (var j = lid.x; j < params.cols; j += WG) {
    let x = logits[base + j];
    if (x > v) { v = x; i = j; }
  }
  bestValue[lid.x] = v;
  bestIndex[lid.x] = i;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid.x < stride && beats(bestValue[lid.x + stride], bestIndex[lid.x + stride], bestValue[lid.x], bestIndex[lid.x])) {
      bestValue[lid.x] = bestValue[lid.x + stride];
      bestIndex[lid.x] = bestIndex[lid.x + stride];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    var st = vec2<u32>(bitcast<u32>(bestValue[0]), params.colStart + bestIndex[0]);
    // Earlier slices hold lower columns: a later slice wins only with a strictly larger value.
    if (params.first == 0u) {
      let prev = state[row];
      if (!(bestValue[0] > bitcast<f32>(prev.x))) { st = prev; }
    }
    state[row] = st;
    out[row] = st.y;
  }
}
