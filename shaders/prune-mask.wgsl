// Unstructured row-wise mask: in every row of w prune exactly the k lowest scores, ties -> lower column first.
//   score[i,j] = |w[i,j]| * sqrt(sq[j])  (Wanda, useSq = 1)  or  |w[i,j]|  (magnitude)
// One workgroup per row. Scores are >= 0, so their f32 bit patterns with the sign cleared order like the values
// (-0 -> 0; NaN -> 0xffffffff, above +Inf: NaN counts as the highest score). A 4-pass radix select (8 bits per
// pass, workgroup histogram) finds the k-th smallest key t; keys below t are pruned, and keys equal to t are
// pruned in column order until exactly k are. No limit on K: the final pass gives each invocation a contiguous
// run of mask words, so the ties before a word are one scan over WG per-invocation counts.
// WG = 64, not 256: barriers are costly on CPU-backed adapters (SwiftShader suspends and resumes every group of
// invocations at each one), and 64 per row measured 4x faster there than 256; two warps per row still keep a GPU's
// loads coalesced.
// Bindings: shaders/lib/prune-mask-bindings.wgsl; key(): lib/row-score-key.wgsl; radixSelect, tiesBeforeLane:
// lib/radix-select.wgsl.

const WG = 64u;
var<private> selRow: u32;                      // the row this workgroup masks (selectKey's row)
fn selectKey(j: u32) -> u32 { return key(selRow, j); }

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;               // workgroup-uniform, so the barriers below stay uniform
  if (row >= p.N) { return; }
  let k = min(count.k, p.K);
  let partial = k > 0u && k < p.K;               // k == 0 keeps all, k == K prunes all: no select needed
  selRow = row;
  radixSelect(lid.x, k, p.K, partial);
  let t = prefix;
  let ties = remaining;                          // keys equal to t to prune, lowest columns first
  let per = (p.words + WG - 1u) / WG;            // mask words per invocation
  let w0 = min(p.words, lid.x * per);
  let w1 = min(p.words, w0 + per);
  let c0 = w0 * 32u;
  let c1 = min(p.K, w1 * 32u);                   // this invocation's columns [c0, c1)
  var own = 0u;
  if (partial) { for (var j = c0; j < c1; j++) { own += select(0u, 1u, key(row, j) == t); } }
  var seen = tiesBeforeLane(lid.x, own);
  for (var wd = w0; wd < w1; wd++) {
    var bits = 0u;
    if (k == 0u) { bits = select(0xffffffffu, (1u << (p.K & 31u)) - 1u, wd == p.words - 1u && (p.K & 31u) != 0u); }
    else if (partial) {
      for (var j = wd * 32u; j < min(p.K, wd * 32u + 32u); j++) {
        let kj = key(row, j);
        var keep = kj > t;
        if (kj == t) { keep = seen >= ties; seen++; }
        if (keep) { bits |= 1u << (j & 31u); }
      }
    }
    mask[row * p.words + wd] = bits;
  }
}
