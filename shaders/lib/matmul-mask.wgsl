// The pruning mask of the masked matmul kernels (needs lib/matmul-bindings.wgsl): bit k % 32 of word k / 32 of
// weight row n is 1 when w[n, k] is kept.
@group(0) @binding(5) var<storage, read> mask: array<u32>;           // [N, words] bitset, 1 = kept

// Mask word kw (k = 32 kw ..) of weight rows n0..n0+3, rows past N clamped to the last one like wrow.
fn maskWords(n0: u32, kw: u32) -> vec4<u32> {
  return vec4<u32>(mask[mrow(n0) + kw], mask[mrow(n0 + 1u) + kw], mask[mrow(n0 + 2u) + kw], mask[mrow(n0 + 3u) + kw]);
}
fn mrow(n: u32) -> u32 { return min(n, p.N - 1u) * p.words; }
