// Soft-capping in place: x[i] = tanh(x[i] / cap) * cap for i < n (Gemma's final_logit_softcapping).
struct Params { n: u32, cap: f32 }
@group(0) @binding(0) var<storage, read_write> x: array<f32>;        // [n]
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  // tanh is +-1 in f32 beyond +-15; the clamp keeps backends that compute tanh through exp from overflowing.
  x[i] = tanh(clamp(x[i] / params.cap, -15.0, 15.0)) * params.cap;
}
