// Weight loads for f16 weights, two per u32 word (element 2j in the low half; src/core/kernels/weight-binding.ts).
// Widened bit by bit in integer arithmetic (every f16, subnormals included, is a normal f32: exact), not with
// unpack2x16float, which may flush f16 subnormals; no shader-f16 needed (f16Bits: lib/f16-bits.wgsl). The including
// kernel declares its weight binding as `w: array<WStore>`; loadW(i) is element i, loadW4(i) elements 4i .. 4i+3.
alias WStore = u32;
fn f16Pair(u: u32) -> vec2<f32> { return vec2<f32>(f16Bits(u & 0xffffu), f16Bits(u >> 16u)); }
fn loadBits(i: u32) -> u32 { return (w[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu; }   // element i's raw bits
fn loadW(i: u32) -> f32 { return f16Bits((w[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu); }
fn loadW4(i: u32) -> vec4<f32> { return vec4<f32>(f16Pair(w[2u * i]), f16Pair(w[2u * i + 1u])); }
