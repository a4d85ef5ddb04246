// Ungated MLP activation (GPT-2's gelu_new, OPT's relu): out[i] = act(x[i]) for i < n.
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;              // [n]
@group(0) @binding(1) var<storage, read_write> out: array<f32>;      // [n]  (distinct from x)
@group(0) @binding(2) var<uniform> params: Params;

override ACT: u32 = 0u;
// act: shaders/lib/activation.wgsl.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  out[i] = act(x[i]);
}
