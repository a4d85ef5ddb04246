// The MLP activations, chosen by the including kernel's `override ACT: u32`: 0 silu (SwiGLU), 1 gelu with the tanh
// approximation (GeGLU's gelu_pytorch_tanh, GPT-2's gelu_new: the same function), 2 relu (OPT).
fn act(g: f32) -> f32 {
  if (ACT == 0u) { return g / (1.0 + exp(-g)); }
  if (ACT == 2u) { return max(g, 0.0); }
  // 0.5 g (1 + tanh(sqrt(2/pi) (g + 0.044715 g^3))); tanh's argument is clamped where tanh is +-1 in f32, since
  // some backends compute tanh through exp and overflow to NaN for large arguments.
  let z = clamp(0.7978845608028654 * (g + 0.044715 * g * g * g), -15.0, 15.0);
  return 0.5 * g * (1.0 + tanh(z));
}
