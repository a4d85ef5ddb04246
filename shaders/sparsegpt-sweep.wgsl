// SparseGPT's column sweep through one 128-column block [i1, i2), one invocation per row (rows are independent
// once H^-1's factor U is known). For every column j of the block, in order:
//   pruned?  unstructured: the flag sparsegpt-select.wgsl chose for the whole block;
//            N:M: at the first column of every group of M (counted from i1), the M - N lowest w^2 / U_jj^2 of
//            the group's weights as updated so far, ties to the lower column (a trailing group of g < M columns
//            keeps min(N, g));
//   if pruned: err = w_j / U_jj, w_j = 0, and the later columns of the block w_c -= err * U[j, c];
//   err[row, j - i1] = err (0 when kept) for sparsegpt-propagate.wgsl; the kept bit goes into the mask.
// The first block also zeroes dead input columns (H_jj = 0) before anything reads them.
struct MapParams { N: u32, K: u32, words: u32, B: u32, nmN: u32, nmM: u32 }
struct BlockParams { i1: u32, i2: u32, block: u32, first: u32 }
@group(0) @binding(0) var<storage, read_write> w: array<f32>;        // [N, K] weights, updated in place
@group(0) @binding(1) var<storage, read> u: array<f32>;              // [K, K] upper Cholesky factor of H^-1
@group(0) @binding(2) var<storage, read> dead: array<u32>;           // [K] 1 = input column always 0
@group(0) @binding(3) var<storage, read> pruned: array<u32>;         // [N, B] from sparsegpt-select (unstructured)
@group(0) @binding(4) var<storage, read_write> err: array<f32>;      // [N, B] pruning errors of this block
@group(0) @binding(5) var<storage, read_write> mask: array<u32>;     // [N, words] bitset, 1 = kept
@group(0) @binding(6) var<uniform> p: MapParams;
@group(0) @binding(7) var<uniform> b: BlockParams;

fn score(row: u32, col: u32) -> f32 {
  let q = w[row * p.K + col] / u[col * p.K + col];
  return q * q;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= p.N) { return; }
  let base = row * p.K;
  if (b.first != 0u) {
    for (var j = 0u; j < p.K; j++) { if (dead[j] != 0u) { w[base + j] = 0.0; } }
  }
  let cnt = b.i2 - b.i1;
  var groupPruned = 0u;   // N:M: bit c = column (group start + c) pruned
  var groupStart = 0u;
  var bits = 0u;          // kept bits of the mask word being filled
  for (var i = 0u; i < cnt; i++) {
    let col = b.i1 + i;
    if (p.nmM != 0u && i % p.nmM == 0u) {
      groupStart = i;
      groupPruned = 0u;
      let g = min(p.nmM, cnt - i);
      let drop = g - min(p.nmN, g);
      // Rank of each column in the group (lower score first, ties to the lower column): M <= 32, so O(M^2).
      for (var c = 0u; c < g; c++) {
        let sc = score(row, col + c);
        var rank = 0u;
        for (var o = 0u; o < g; o++) {
          let so = score(row, col + o);
          if (so < sc || (so == sc && o < c)) { rank++; }
        }
        if (rank < drop) { groupPruned |= 1u << c; }
      }
    }
    var isPruned = false;
    if (p.nmM != 0u) { isPruned = ((groupPruned >> (i - groupStart)) & 1u) == 1u; }
    else { isPruned = pruned[row * p.B + i] != 0u; }
    var e = 0.0;
    if (isPruned) {
      e = w[base + col] / u[col * p.K + col];
      w[base + col] = 0.0;
      for (var c = col + 1u; c < b.i2; c++) { w[base + c] -= e * u[col * p.K + c]; }
    } else {
      bits |= 1u << (col & 31u);
    }
    err[row * p.B + i] = e;
    if ((col & 31u) == 31u || i + 1u == cnt) {
      mask[row * p.words + col / 32u] = bits;   // i1 is a multiple of 32: every word of the block is written whole
      bits = 0u;
    }
  }
}
