// Causal attention with grouped KV heads over the KV cache; one workgroup per (query row t, head h).
// Query t sits at absolute position p = pos0 + t and attends to cache rows 0..p (p-window+1..p in a sliding-window
// layer) of KV head kvHeadOf[h]
// (h / (nHeads / nKvHeads) for a dense model; any map once heads are pruned).
// Keys are visited in chunks of WG with an online softmax (running max m, running sum l, rescaled accumulator),
// so any context length runs without scratch buffers.
// Bindings: shaders/lib/attention-bindings.wgsl, attention-uniforms.wgsl (MAX_HEAD_DIM); keyCount, firstKey, kvOffsetOf: lib/attention-keys.wgsl;
// reduceMax, reduceSum: lib/workgroup-reduce.wgsl.

const WG = 64u;
const DIMS_PER_LANE = 4u;                  // MAX_HEAD_DIM / WG output dimensions owned by each invocation
const NEG_BIG = -3.0e38;

var<workgroup> qs: array<f32, MAX_HEAD_DIM>;   // this row's query
var<workgroup> probs: array<f32, WG>;          // exp(score - m) of the chunk's keys

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;                 // t * nHeads + h
  if (row >= params.T * params.nHeads) { return; }
  let hd = params.headDim;
  let kvOffset = kvOffsetOf(row);
  let kvStride = params.nKvHeads * hd;
  for (var d = lid.x; d < hd; d += WG) { qs[d] = q[row * hd + d]; }
  workgroupBarrier();

  let nKeys = keyCount(row);
  let first = firstKey(nKeys);
  var m = NEG_BIG;
  var l = 0.0;
  var acc = array<f32, DIMS_PER_LANE>(0.0, 0.0, 0.0, 0.0);
  for (var c0 = first; c0 < nKeys; c0 += WG) {
    let j = c0 + lid.x;
    var s = NEG_BIG;
    if (j < nKeys) {
      var dot = 0.0;
      let kb = j * kvStride + kvOffset;
      for (var d = 0u; d < hd; d++) { dot += qs[d] * kCache[kb + d]; }
      s = dot * params.scale;
    }
    let mNew = max(m, reduceMax(lid.x, s));
    workgroupBarrier();                            // everyone has read the chunk's max before red is reused
    let e = select(0.0, exp(s - mNew), j < nKeys);
    probs[lid.x] = e;
    let chunkSum = reduceSum(lid.x, e);
    let corr = exp(m - mNew);
    l = l * corr + chunkSum;
    let chunk = min(WG, nKeys - c0);
    for (var i = 0u; i < DIMS_PER_LANE; i++) {
      let d = lid.x + i * WG;
      if (d < hd) {
        var a = acc[i] * corr;
        for (var jj = 0u; jj < chunk; jj++) { a += probs[jj] * vCache[(c0 + jj) * kvStride + kvOffset + d]; }
        acc[i] = a;
      }
    }
    m = mNew;
    workgroupBarrier();                            // the chunk's probs and its sum (red) are consumed
  }
  for (var i = 0u; i < DIMS_PER_LANE; i++) {
    let d = lid.x + i * WG;
    if (d < hd) { out[row * hd + d] = acc[i] / l; }
  }
}
