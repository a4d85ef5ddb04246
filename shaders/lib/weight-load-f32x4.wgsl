// Weight loads for f32 weights read 4 k at a time (vec4 kernels, K % 4 == 0; src/core/kernels/weight-binding.ts).
// The including kernel declares its weight binding as `w: array<WStore>`; loadW4(i) is elements 4i .. 4i+3.
alias WStore = vec4<f32>;
fn loadW(i: u32) -> f32 { return w[i / 4u][i % 4u]; }
fn loadW4(i: u32) -> vec4<f32> { return w[i]; }
