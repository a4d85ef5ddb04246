// Weight loads for f32 weights read one k at a time (src/core/kernels/weight-binding.ts). The including kernel
// declares its weight binding as `w: array<WStore>`; loadW(i) is element i, loadW4(i) elements 4i .. 4i+3.
alias WStore = f32;
fn loadW(i: u32) -> f32 { return w[i]; }
fn loadW4(i: u32) -> vec4<f32> { let j = 4u * i; return vec4<f32>(w[j], w[j + 1u], w[j + 2u], w[j + 3u]); }
