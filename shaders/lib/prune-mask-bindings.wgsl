// The bindings of the unstructured row-wise mask kernels (prune-mask.wgsl, prune-mask-rank.wgsl), in the order
// preparePruneMask (src/core/kernels/prune-mask.ts) binds them. Mask words: bit j % 32 of word j / 32 of a row.
struct Params { N: u32, K: u32, words: u32, useSq: u32 }
struct Count { k: u32 }
@group(0) @binding(0) var<storage, read> w: array<WStore>;           // [N, K] in its stored dtype: loadW (lib/weight-load-*.wgsl)
@group(0) @binding(1) var<storage, read> sq: array<f32>;             // [K] sums of squared inputs (any buffer when useSq == 0)
@group(0) @binding(2) var<storage, read_write> mask: array<u32>;     // [N, words] bitset, 1 = kept, padding bits 0
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<uniform> count: Count;                     // weights to prune per row (clamped to K)
