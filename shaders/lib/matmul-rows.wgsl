// Shared by the register-blocked matmul kernels (needs lib/matmul-bindings.wgsl). The including kernel declares
// `const XW_WIDTH: u32`, the k per element of x and w (1 for f32, 4 for vec4<f32>).
// Where weight row n / activation row m starts in w / x, in XW elements (loadW / loadW4 indices). Rows past N / M are clamped to the last row
// (the block recomputes it; the store drops it), so loads need no bounds checks.
fn wrow(n: u32) -> u32 { return min(n, p.N - 1u) * (p.K / XW_WIDTH); }
fn xrow(m: u32) -> u32 { return min(m, p.M - 1u) * (p.K / XW_WIDTH); }
