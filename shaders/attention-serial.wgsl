// Causal grouped-query attention, one invocation per (query row t, head h) with no workgroup memory and no
// barriers: the online softmax runs serially over keys 0..pos0+t. Same contract as attention.wgsl; chosen on
// CPU-backed adapters (SwiftShader), where barriers cost far more than the lost parallelism.
// Bindings: shaders/lib/attention-bindings.wgsl, attention-uniforms.wgsl; keyCount, firstKey, kvOffsetOf: lib/attention-keys.wgsl.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * 64u;           // t * nHeads + h
  if (row >= params.T * params.nHeads) { return; }
  let hd = params.headDim;
  let kvOffset = kvOffsetOf(row);
  let kvStride = params.nKvHeads * hd;
  var acc: array<f32, MAX_HEAD_DIM>;
  for (var d = 0u; d < hd; d++) { acc[d] = 0.0; }
  var m = -3.0e38;
  var l = 0.0;
  let nKeys = keyCount(row);
  let first = firstKey(nKeys);
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
