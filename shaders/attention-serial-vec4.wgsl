// attention-serial.wgsl for head dims that are a multiple of 4 (nearly every model), as a template the host unrolls
// for its head dim (src/core/kernels/attention.ts): lines "//unroll S" become S once per i = 0 .. HD4-1 with $i
// replaced, so the query and the accumulator are HD4 vec4 variables, never an indexed private array (CPU-backed
// adapters keep those in memory: that cost 2.5x on SwiftShader). Keys are taken 4 at a time: one rescale of the
// running sum and the accumulator per 4 keys instead of per key (5 exps per 4 keys, not 8). One invocation per
// (query row t, head h), no workgroup memory, no barriers. Same contract as attention.wgsl; CPU-backed adapters.
// Bindings 4-6: shaders/lib/attention-uniforms.wgsl; keyCount, firstKey, kvOffsetOf: lib/attention-keys.wgsl.
@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;              // [T, nHeads, headDim / 4]
@group(0) @binding(1) var<storage, read> kCache: array<vec4<f32>>;         // [rows, nKvHeads, headDim / 4]
@group(0) @binding(2) var<storage, read> vCache: array<vec4<f32>>;         // [rows, nKvHeads, headDim / 4]
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;      // [T, nHeads, headDim / 4]

const HD4 = $HD4u;        // headDim / 4
const KEYS = 4u;          // keys per softmax rescale
const NONE = -3.0e38;     // the score of a key past the last: its weight exp(NONE - m) is 0

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * 64u;           // t * nHeads + h
  if (row >= params.T * params.nHeads) { return; }
  let kvOffset = kvOffsetOf(row) / 4u;
  let kvStride = params.nKvHeads * HD4;
  //unroll let q$i = q[row * HD4 + $iu];
  //unroll var acc$i = vec4<f32>(0.0);
  var m = NONE;
  var l = 0.0;
  let nKeys = keyCount(row);
  for (var j = firstKey(nKeys); j < nKeys; j += KEYS) {
    let n = min(KEYS, nKeys - j);
    var s = vec4<f32>(NONE);
    for (var c = 0u; c < n; c++) {
      let kb = (j + c) * kvStride + kvOffset;
      var dot4 = vec4<f32>(0.0);
      //unroll dot4 += q$i * kCache[kb + $iu];
      s[c] = (dot4.x + dot4.y + dot4.z + dot4.w) * params.scale;
    }
    let mNew = max(m, max(max(s.x, s.y), max(s.z, s.w)));
    let corr = exp(m - mNew);
    let p = exp(s - mNew);
    l = l * corr + ((p.x + p.y) + (p.z + p.w));
    //unroll acc$i *= corr;
    for (var c = 0u; c < n; c++) {
      let vb = (j + c) * kvStride + kvOffset;
      //unroll acc$i += p[c] * vCache[vb + $iu];
    }
    m = mNew;
  }
  //unroll out[row * HD4 + $iu] = acc$i / l;
}
