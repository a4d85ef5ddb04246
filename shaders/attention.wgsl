// Causal attention with grouped KV heads over the KV cache; one workgroup per (query row t, head h).
// Query t sits at absolute position p = pos0 + t and attends to cache rows 0..p (p-window+1..p in a sliding-window
// layer) of KV head kvHeadOf[h]
// (h / (nHeads / nKvHeads) for a dense model; any map once heads are pruned).
// Keys are visited in chunks of WG with an online softmax (running max m, running sum l, rescaled accumulator),
// so any context length runs without scratch buffers.
struct Params { T: u32, nHeads: u32, nKvHeads: u32, headDim: u32, scale: f32, window: u32 }  // window 0 = whole context
struct Position { pos0: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;              // [T, nHeads, headDim]
@group(0) @binding(1) var<storage, read> kCache: array<f32>;         // [rows, nKvHeads, headDim]
@group(0) @binding(2) var<storage, read> vCache: array<f32>;         // [rows, nKvHeads, headDim]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;      // [T, nHeads, headDim]
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<uniform> position: Position;
@group(0) @binding(6) var<storage, read> kvHeadOf: array<u32>;   // [nHeads] kv head of each query head

const WG = 64u;
const MAX_HEAD_DIM = 256u;
const DIMS_PER_LANE = 4u;                  // MAX_HEAD_DIM / WG output dimensions owned by each invocation
const NEG_BIG = -3.0e38;

var<workgroup> qs: array<f32, MAX_HEAD_DIM>;   // this row's query
var<workgroup> probs: array<f32, WG>;          // exp(score - m) of the chunk's keys
var<workgroup> red: array<f32, WG>;            // reduction scratch

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;                 // t * nHeads + h
  if (row >= params.T * params.nHeads) { return; }
  let hd = params.headDim;
  let t = row / params.nHeads;
  let h = row % params.nHeads;
  let kvOffset = kvHeadOf[h] * hd;
  let kvStride = params.nKvHeads * hd;
  for (var d = lid.x; d < hd; d += WG) { qs[d] = q[row * hd + d]; }
  workgroupBarrier();

  let nKeys = position.pos0 + t + 1u;
  // A sliding-window layer sees its last `window` keys (itself included), as transformers' sliding mask.
  let first = select(0u, nKeys - min(nKeys, params.window), params.window > 0u);
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
    red[lid.x] = s;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
      if (lid.x < stride) { red[lid.x] = max(red[lid.x], red[lid.x + stride]); }
      workgroupBarrier();
    }
    let mNew = max(m, red[0]);
    workgroupBarrier();                            // everyone has read red[0] before it is reused
    let e = select(0.0, exp(s - mNew), j < nKeys);
    probs[lid.x] = e;
    red[lid.x] = e;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
      if (lid.x < stride) { red[lid.x] += red[lid.x + stride]; }
      workgroupBarrier();
    }
    let corr = exp(m - mNew);
    l = l * corr + red[0];
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
    workgroupBarrier();                            // the chunk's probs and red[0] are consumed
  }
  for (var i = 0u; i < DIMS_PER_LANE; i++) {
    let d = lid.x + i * WG;
    if (d < hd) { out[row * hd + d] = acc[i] / l; }
  }
}
