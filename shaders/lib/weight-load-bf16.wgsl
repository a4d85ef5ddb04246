// Weight loads for bf16 weights, two per u32 word (element 2j in the low half; src/core/kernels/weight-binding.ts).
// bf16 is the top half of an f32, so widening is a shift: exact. The including kernel declares its weight binding
// as `w: array<WStore>`; loadW(i) is element i, loadW4(i) elements 4i .. 4i+3 (words 2i, 2i+1).
alias WStore = u32;
fn bf16Pair(u: u32) -> vec2<f32> { return vec2<f32>(bitcast<f32>(u << 16u), bitcast<f32>(u & 0xffff0000u)); }
fn loadBits(i: u32) -> u32 { return (w[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu; }   // element i's raw bits
fn loadW(i: u32) -> f32 {
  let u = w[i >> 1u];
  return bitcast<f32>(select(u << 16u, u & 0xffff0000u, (i & 1u) == 1u));
}
fn loadW4(i: u32) -> vec4<f32> { return vec4<f32>(bf16Pair(w[2u * i]), bf16Pair(w[2u * i + 1u])); }
