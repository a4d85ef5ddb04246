// stageW4 for the dense matmul kernels that also come masked (tiled64, blocked16x16; the masked form is
// lib/matmul-stage-masked.wgsl): the 4 weights w[n, 4q .. 4q+3], whose row starts at `row` (= wrow(n)).
fn stageW4(n: u32, row: u32, q: u32) -> vec4<f32> { return loadW4(row + q); }
