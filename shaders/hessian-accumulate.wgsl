// SparseGPT's Hessian of one linear map's input, accumulated across calibration windows (never all activations at
// once):  h[a, b] += sum_t x[t, a] * x[t, b]   (X^T X; the CPU side scales it by 2 and adds the damping).
// One invocation per 4x4 block of h in registers, no workgroup memory (CPU-backed adapters such as SwiftShader pay
// far more for barriers than they gain from sharing). x holds T / seq batched windows of seq rows: each window's
// rows are summed in order, then added, so a batch leaves the same bits as one dispatch per window.
struct Params { T: u32, K: u32, seq: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;              // [T, K]
@group(0) @binding(1) var<storage, read_write> h: array<f32>;        // [K, K]
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b0 = gid.x * 4u;   // columns b0..b0+3 of h
  let a0 = gid.y * 4u;   // rows a0..a0+3 of h
  if (a0 >= p.K || b0 >= p.K) { return; }
  let last = p.K - 1u;
  // Indices past K are clamped: those lanes compute values that are never stored.
  let ia = min(vec4<u32>(a0, a0 + 1u, a0 + 2u, a0 + 3u), vec4<u32>(last));
  let ib = min(vec4<u32>(b0, b0 + 1u, b0 + 2u, b0 + 3u), vec4<u32>(last));
  for (var t0 = 0u; t0 < p.T; t0 += p.seq) {
    var h0 = vec4<f32>(0.0); var h1 = vec4<f32>(0.0); var h2 = vec4<f32>(0.0); var h3 = vec4<f32>(0.0);
    for (var t = t0; t < t0 + p.seq; t++) {
      let r = t * p.K;
      let xa = vec4<f32>(x[r + ia.x], x[r + ia.y], x[r + ia.z], x[r + ia.w]);   // x[t, a0..a0+3]
      let xb = vec4<f32>(x[r + ib.x], x[r + ib.y], x[r + ib.z], x[r + ib.w]);   // x[t, b0..b0+3]
      h0 += xa.x * xb; h1 += xa.y * xb; h2 += xa.z * xb; h3 += xa.w * xb;
    }
    store(a0, b0, h0); store(a0 + 1u, b0, h1); store(a0 + 2u, b0, h2); store(a0 + 3u, b0, h3);
  }
}

fn store(a: u32, b0: u32, v: vec4<f32>) {
  if (a >= p.K) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (b0 + j < p.K) { h[a * p.K + b0 + j] += v[j]; }
  }
}
