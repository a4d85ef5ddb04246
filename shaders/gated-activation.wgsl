// Gated MLP activation: out[i] = act(gate[i]) * up[i] for i < n (SwiGLU: silu; GeGLU: tanh-approximated gelu).
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> gate: array<f32>;           // [n]
@group(0) @binding(1) var<storage, read> up: array<f32>;             // [n]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // [n]  (distinct from gate and up)
@group(0) @binding(3) var<uniform> params: Params;

override ACT: u32 = 0u;
// act: shaders/lib/activation.wgsl.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  out[i] = act(gate[i]) * up[i];
}
