// out[i] = w[i] widened to f32 (exact), for consumers that need a writable f32 copy of a weight stored as f16 / bf16
// (SparseGPT's override buffers). One invocation per element.
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> w: array<WStore>;           // [n] in its stored dtype: loadW (lib/weight-load-*.wgsl)
@group(0) @binding(1) var<storage, read_write> out: array<f32>;      // [n]
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= params.n) { return; }
  out[i] = loadW(i);
}
