// stageW4 through the pruning mask (needs lib/matmul-mask.wgsl and a vec4 weight-load lib): the 4 weights
// w[n, 4q .. 4q+3] (row = wrow(n)) with pruned ones zeroed, so a masked model runs the tuned dense kernels
// (tiled64, blocked16x16) at nearly their speed: one mask word per 8 vec4 of a weight row.
const LANES = vec4<u32>(1u, 2u, 4u, 8u);

// The 4 weights v with those whose bit in `nibble` is 0 zeroed (select, so a pruned Inf/NaN cannot reach the sum).
fn kept(v: vec4<f32>, nibble: u32) -> vec4<f32> { return select(vec4<f32>(0.0), v, (vec4<u32>(nibble) & LANES) != vec4<u32>(0u)); }

fn stageW4(n: u32, row: u32, q: u32) -> vec4<f32> {
  return kept(loadW4(row + q), mask[mrow(n) + q / 8u] >> ((q % 8u) * 4u));
}
