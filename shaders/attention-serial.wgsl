// Causal grouped-query attention, one invocation per (query row t, head h) with no workgroup memory and no
// barriers: the online softmax runs serially over keys 0..pos0+t. Same contract as attention.wgsl; chosen on
// CPU-backed adapters (SwiftShader), where barriers cost far more than the lost parallelism.
struct Params { T: u32, nHeads: u32, nKvHeads: u32, headDim: u32, scale: f32, window: u32 }  // window 0 = whole context
struct Position { pos0: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;              // [T, nHeads, headDim]
@group(0) @binding(1) var<storage, read> kCache: array<f32>;         // [rows, nKvHeads, headDim]
@group(0) @binding(2) var<storage, read> vCache: array<f32>;         // [rows, nKvHeads, headDim]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;      // [T, nHeads, headDim]
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<uniform> position: Position;
@group(0) @binding(6) var<storage, read> kvHeadOf: array<u32>;   // [nHeads] kv head of each query head

const MAX_HEAD_DIM = 256u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * 64u;           // t * nHeads + h
  if (row >= params.T * params.nHeads) { return; }
  let hd = params.headDim;
  let t = row / params.nHeads;
  let h = row % params.nHeads;
  let kvOffset = kvHeadOf[h] * hd;
  let kvStride = params.nKvHeads * hd;
  var acc: array<f32, MAX_HEAD_DIM>;
  for (var d = 0u; d < hd; d++) { acc[d] = 0.0; }
  var m = -3.0e38;
  var l = 0.0;
  let nKeys = position.pos0 + t + 1u;
  // A sliding-window layer sees its last `window` keys (itself included), as transformers' sliding mask.
  let first = select(0u, nKeys - min(nKeys, params.window), params.window > 0u);
  for (var j = first; j < nKeys; j++) {
    let kb = j * kvStride + kvOffset;
    var dot = 0.0;
    for (var d = 0u; d < hd; d++) { dot += q[row * hd + d] * kCache[kb + d]; }
    let s = dot * params.scale;
    let mNew = max(m, s);
    let corr = exp(m - mNew);
    let p = exp(s - mNew);
    l = l * corr + p;
    for (var d = 0u; d < hd; d++) { acc[d] = acc[d] * corr + p * vCache[kb + d]; }
    m = mNew;
  }
  for (var d = 0u; d < hd; d++) { out[row * hd + d] = acc[d] / l; }
}
