// SparseGPT's column sweep through one 128-column block [i1, i2), one invocation per row (rows are independent
// once H^-1's factor U is known). For every column j of the block, in order:
//   pruned?  unstructured: the flag sparsegpt-select.wgsl chose for the whole block;
//            N:M: at the first column of every group of M (counted from i1), the M - N lowest w^2 / U_jj^2 of
//            the group's weights as updated so far, ties to the lower column (a trailing group of g < M columns
//            keeps min(N, g));
//   if pruned: err = w_j / U_jj, w_j = 0, and the later columns of the block w_c -= err * U[j, c];
//   err[j - i1, row] = err (0 when kept) for sparsegpt-propagate.wgsl; the kept bit goes into the mask.
// The first block also zeroes dead input columns (H_jj = 0) before anything reads them.
struct MapParams { N: u32, K: u32, words: u32, B: u32, nmN: u32, nmM: u32, Kp: u32, Np: u32 }
struct BlockParams { i1: u32, i2: u32, block: u32, first: u32 }
@group(0) @binding(0) var<storage, read_write> w: array<f32>;        // [N, K] weights, updated in place
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;        // [K, Kp / 4] upper Cholesky factor of H^-1 (rows padded to Kp = 4 ceil(K/4))
@group(0) @binding(2) var<storage, read> dead: array<u32>;           // [K] 1 = input column always 0
@group(0) @binding(3) var<storage, read> pruned: array<u32>;         // [N, B] from sparsegpt-select (unstructured)
@group(0) @binding(4) var<storage, read_write> err: array<f32>;      // [B, Np] pruning errors of this block (transposed)
@group(0) @binding(5) var<storage, read_write> mask: array<u32>;     // [N, words] bitset, 1 = kept
@group(0) @binding(6) var<uniform> p: MapParams;
@group(0) @binding(7) var<uniform> b: BlockParams;

const MAX_B4 = 32u;   // 128 columns as vec4s
// The row's weights of this block, in private memory: read once, updated in place, written once (a CPU-backed
// adapter pays bounds checks and gathers on every global access; a GPU keeps this in registers / local memory).
var<private> wb: array<vec4<f32>, MAX_B4>;

/** U[col, col]: the factor's diagonal. */
fn diag(col: u32) -> f32 { return u[(col * p.Kp + col) / 4u][col % 4u]; }

fn score(i: u32) -> f32 {
  let q = wb[i / 4u][i % 4u] / diag(b.i1 + i);
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
  let cnt4 = (cnt + 3u) / 4u;
  for (var i = 0u; i < MAX_B4; i++) { wb[i] = vec4<f32>(0.0); }
  for (var i = 0u; i < cnt; i++) { wb[i / 4u][i % 4u] = w[base + b.i1 + i]; }
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
        let sc = score(i + c);
        var rank = 0u;
        for (var o = 0u; o < g; o++) {
          let so = score(i + o);
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
      e = wb[i / 4u][i % 4u] / diag(col);
      // U is upper triangular (exact zeros left of the diagonal), so the vec4 holding column i may be updated
      // whole: the columns before i are untouched, and i itself is set to exactly 0 afterwards.
      let ur = (col * p.Kp + b.i1) / 4u;
      for (var c = i / 4u; c < cnt4; c++) { wb[c] -= e * u[ur + c]; }
      wb[i / 4u][i % 4u] = 0.0;
    } else {
      bits |= 1u << (col & 31u);
    }
    err[i * p.Np + row] = e;
    if ((col & 31u) == 31u || i + 1u == cnt) {
      mask[row * p.words + col / 32u] = bits;   // i1 is a multiple of 32: every word of the block is written whole
      bits = 0u;
    }
  }
  for (var i = 0u; i < cnt; i++) { w[base + b.i1 + i] = wb[i / 4u][i % 4u]; }
}
