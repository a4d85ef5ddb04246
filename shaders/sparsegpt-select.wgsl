// SparseGPT, unstructured: choose the weights one 128-column block prunes, over ALL rows of the block at once
// (as IST-DASLab/sparsegpt does): the `count` lowest scores w^2 / U_jj^2 of the block's [N, cnt] weights as they
// stand after the earlier blocks' updates, ties to the lower row-major index (row first, then column).
// U is the upper Cholesky factor of H^-1. One workgroup for the whole block: the selection needs every row.
// Scores are >= 0, so their f32 bit patterns order like the values (NaN ranks highest, as in prune-mask.wgsl).
// A 4-pass radix select (8 bits per pass, workgroup histogram) finds the count-th smallest key t; keys below t
// are pruned, keys equal to t in row-major order until exactly `count` are. Each invocation owns a contiguous
// run of the row-major indices, so the ties before its run are one scan over the per-invocation tie counts.
struct MapParams { N: u32, K: u32, words: u32, B: u32, nmN: u32, nmM: u32, Kp: u32, Np: u32 }
struct BlockParams { i1: u32, i2: u32, block: u32, first: u32 }
@group(0) @binding(0) var<storage, read> w: array<f32>;              // [N, K] weights, updated by earlier blocks
@group(0) @binding(1) var<storage, read> u: array<f32>;              // [K, Kp] upper Cholesky factor of H^-1 (rows padded to Kp = 4 ceil(K/4))
@group(0) @binding(2) var<storage, read> counts: array<u32>;         // [blocks] weights to prune per block
@group(0) @binding(3) var<storage, read_write> pruned: array<u32>;   // [N, B] 1 = pruned (columns i1..i2-1)
@group(0) @binding(4) var<storage, read> dead: array<u32>;           // [K] 1 = input column always 0
@group(0) @binding(5) var<uniform> p: MapParams;
@group(0) @binding(6) var<uniform> b: BlockParams;

const WG = 256u;
// radixSelect, tiesBeforeLane: shaders/lib/radix-select.wgsl; scoreBits: shaders/lib/score-bits.wgsl.

fn key(idx: u32) -> u32 {
  let cnt = b.i2 - b.i1;
  let col = b.i1 + idx % cnt;
  // A dead column's weights count as 0 (the sweep zeroes them, but only after this first selection).
  let q = select(w[(idx / cnt) * p.K + col], 0.0, dead[col] != 0u) / u[col * p.Kp + col];
  return scoreBits(q * q);
}
fn selectKey(i: u32) -> u32 { return key(i); }

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let cnt = b.i2 - b.i1;
  let total = p.N * cnt;
  let k = min(counts[b.block], total);
  let partial = k > 0u && k < total;             // k == 0 prunes nothing, k == total everything: no select needed
  radixSelect(lid.x, k, total, partial);
  let t = prefix;
  let ties = remaining;                          // keys equal to t to prune, lowest row-major index first
  let per = (total + WG - 1u) / WG;
  let i0 = min(total, lid.x * per);
  let iEnd = min(total, i0 + per);
  var own = 0u;
  if (partial) { for (var i = i0; i < iEnd; i++) { own += select(0u, 1u, key(i) == t); } }
  var seen = tiesBeforeLane(lid.x, own);
  for (var i = i0; i < iEnd; i++) {
    var prune = k == total;
    if (partial) {
      let ki = key(i);
      prune = ki < t;
      if (ki == t) { prune = seen < ties; seen++; }
    }
    pruned[(i / cnt) * p.B + i % cnt] = select(0u, 1u, prune);
  }
}
