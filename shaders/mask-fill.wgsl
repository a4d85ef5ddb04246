// Writes a pruning bitset from whole rows and columns: mask[i, w] = colWords[w] when row i is kept, else 0.
// Structured pruning (removed heads' / channels' rows and columns) and keepAll (every row, the K-bit pattern)
// upload only these two small bitsets instead of the [N, words] mask.
//   mask: [N, words] u32   rowKeep: [ceil(N/32)] u32 (bit i = row i kept)   colWords: [words] u32 (one row's bits)
struct Params { N: u32, words: u32 }
@group(0) @binding(0) var<storage, read_write> mask: array<u32>;
@group(0) @binding(1) var<storage, read> rowKeep: array<u32>;
@group(0) @binding(2) var<storage, read> colWords: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 256u;
  if (idx >= params.N * params.words) { return; }
  let row = idx / params.words;
  let kept = (rowKeep[row >> 5u] >> (row & 31u)) & 1u;
  mask[idx] = select(0u, colWords[idx - row * params.words], kept == 1u);
}
