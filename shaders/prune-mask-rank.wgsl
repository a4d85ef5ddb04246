// Unstructured row-wise mask for short rows, without workgroup barriers: in every row prune exactly the k lowest
// scores, ties -> lower column first (the same result as prune-mask.wgsl, bit for bit).
// One invocation per mask word: each of its (up to) 32 columns is pruned iff its rank in the row is below k, where
// rank(j) = #{j' : key(j') < key(j), or key(j') == key(j) and j' < j}. That is K * 32 comparisons per invocation
// (keys recomputed rather than held in a private array: measured faster on SwiftShader),
// so the host picks this kernel only for short rows (K <= RANK_SELECT_MAX_K); there it beats the radix select on
// CPU-backed adapters, which pay for every workgroup barrier (stories260K's maps: K = 64 and 172).
// Keys as in prune-mask.wgsl: f32 bits with the sign cleared (-0 == 0; NaN above +Inf, the highest score).
// Bindings: shaders/lib/prune-mask-bindings.wgsl; key(): lib/row-score-key.wgsl.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= p.N * p.words) { return; }
  let row = idx / p.words;
  let c0 = (idx % p.words) * 32u;
  let cols = min(32u, p.K - c0);                 // this word's columns [c0, c0 + cols)
  let k = min(count.k, p.K);
  var bits = 0u;
  for (var t = 0u; t < cols; t++) {
    let c = c0 + t;
    let kc = key(row, c);
    var rank = 0u;                               // columns of the row pruned before column c
    if (k > 0u && k < p.K) {
      for (var j = 0u; j < p.K; j++) {
        let kj = key(row, j);
        rank += select(0u, 1u, kj < kc || (kj == kc && j < c));
      }
    }
    if (rank >= k) { bits |= 1u << t; }         // k == 0 keeps all; k == K prunes all (every rank < K)
  }
  mask[idx] = bits;
}
