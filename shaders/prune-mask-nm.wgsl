// N:M mask: in every group of m consecutive columns of a row keep the n highest scores (prune the m - n lowest;
// among equal scores the lower column is pruned first). Groups never straddle a mask word (m divides 32); a
// trailing partial group of g < m columns keeps min(n, g).
// One invocation per mask word. Scores compare as in prune-mask.wgsl: by their f32 bits with the sign cleared
// (-0 == 0; NaN above +Inf, i.e. the highest score).
struct Params { N: u32, K: u32, words: u32, useSq: u32, n: u32, m: u32 }
@group(0) @binding(0) var<storage, read> w: array<WStore>;           // [N, K] in its stored dtype: loadW (lib/weight-load-*.wgsl)
@group(0) @binding(1) var<storage, read> sq: array<f32>;             // [K] (any buffer when useSq == 0)
@group(0) @binding(2) var<storage, read_write> mask: array<u32>;     // [N, words] bitset, 1 = kept
@group(0) @binding(3) var<uniform> p: Params;
// key(): shaders/lib/row-score-key.wgsl.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= p.N * p.words) { return; }
  let row = idx / p.words;
  let wd = idx % p.words;
  var bits = 0u;
  for (var g0 = wd * 32u; g0 < min(p.K, wd * 32u + 32u); g0 += p.m) {
    let g = min(p.m, p.K - g0);                         // group size: m, or the tail's K % m
    let pruned = select(0u, g - p.n, g > p.n);          // the g - n lowest go (none from a tail of <= n)
    for (var i = 0u; i < g; i++) {
      let si = key(row, g0 + i);
      // rank = how many group members are pruned before this one (lower score, or equal score and lower column)
      var rank = 0u;
      for (var j = 0u; j < g; j++) {
        let sj = key(row, g0 + j);
        if (sj < si || (sj == si && j < i)) { rank++; }
      }
      if (rank >= pruned) { bits |= 1u << ((g0 + i) & 31u); }
    }
  }
  mask[idx] = bits;
}
