// The bindings of every matmul kernel, in the order prepareMatmul (src/core/kernels/matmul.ts) binds them; a masked
// kernel adds lib/matmul-mask.wgsl. The including kernel declares `alias XW = f32;` (x read one k at a time, any K)
// or `alias XW = vec4<f32>;` (4 consecutive k at a time, K % 4 == 0: x is then [M, K/4]). The weight is read through
// the weight-load lib of its dtype (lib/weight-load-*.wgsl): loadW(n*K + k), or loadW4(n*K/4 + k/4) in vec4 kernels.
// y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] + (hasBias ? bias[n] : 0); words = ceil(K / 32) (masked only).
struct Params { M: u32, N: u32, K: u32, ldy: u32, yColOffset: u32, hasBias: u32, words: u32 }
@group(0) @binding(0) var<storage, read> x: array<XW>;               // [M, K]    activations
@group(0) @binding(1) var<storage, read> w: array<WStore>;           // [N, K]    weight, Linear layout [out, in], its stored dtype
@group(0) @binding(2) var<storage, read> bias: array<f32>;           // [N]       (any buffer when hasBias == 0)
@group(0) @binding(3) var<storage, read_write> y: array<f32>;        // [M, ldy]  output rows, column slice
@group(0) @binding(4) var<uniform> p: Params;
