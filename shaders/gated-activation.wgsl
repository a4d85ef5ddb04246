// Gated MLP activation: out[i] = act(gate[i]) * up[i] for i < n, act = silu (SwiGLU, ACT 0) or gelu with the tanh
// approximation (GeGLU's gelu_pytorch_tanh, ACT 1).
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> gate: array<f32>;           // [n]
@group(0) @binding(1) var<storage, read> up: array<f32>;             // [n]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // [n]  (distinct from gate and up)
@group(0) @binding(3) var<uniform> params: Params;

override ACT: u32 = 0u;

fn act(g: f32) -> f32 {
  if (ACT == 0u) { return g / (1.0 + exp(-g)); }
  // 0.5 g (1 + tanh(sqrt(2/pi) (g + 0.044715 g^3))); tanh's argument is clamped where tanh is +-1 in f32, since
  // some backends compute tanh through exp and overflow to NaN for large arguments.
  let z = clamp(0.7978845608028654 * (g + 0.044715 * g * g * g), -15.0, 15.0);
  return 0.5 * g * (1.0 + tanh(z));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  out[i] = act(gate[i]) * up[i];
}
