// Unstructured row-wise mask: in every row of w prune exactly the k lowest scores, ties -> lower column first.
//   score[i,j] = |w[i,j]| * sqrt(sq[j])  (Wanda, useSq = 1)  or  |w[i,j]|  (magnitude)
// One workgroup per row. Scores are >= 0, so their f32 bit patterns order like the values (NaN -> highest):
// a 4-pass radix select (8 bits per pass, workgroup histogram) finds the k-th smallest key t; keys below t are
// pruned, and keys equal to t are pruned in column order until exactly k are.
struct Params { N: u32, K: u32, words: u32, useSq: u32 }
struct Count { k: u32 }
@group(0) @binding(0) var<storage, read> w: array<f32>;              // [N, K]
@group(0) @binding(1) var<storage, read> sq: array<f32>;             // [K] sums of squared inputs (any buffer when useSq == 0)
@group(0) @binding(2) var<storage, read_write> mask: array<u32>;     // [N, words] bitset, 1 = kept
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<uniform> count: Count;                     // weights to prune per row

const WG = 256u;
const MAX_WORDS = 512u;                                              // K <= 16384
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> prefix: u32;        // the high bits of t decided so far
var<workgroup> remaining: u32;     // how many of the keys matching prefix still have to be pruned
var<workgroup> tiesBefore: array<u32, MAX_WORDS>;  // keys equal to t in words before each word (exclusive scan)

fn key(row: u32, j: u32) -> u32 {
  var s = abs(w[row * p.K + j]);
  if (p.useSq != 0u) { s = s * sqrt(sq[j]); }
  let b = bitcast<u32>(s);
  // NaN (exponent all ones, mantissa non-zero) sorts last; +0 and -0 both become 0 after abs.
  return select(b, 0xffffffffu, (b & 0x7fffffffu) > 0x7f800000u);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.N) { return; }
  let k = min(count.k, p.K);
  if (lid.x == 0u) { prefix = 0u; remaining = k; }
  // Radix select, most significant digit first; skipped entirely (uniformly) when nothing or everything goes.
  if (k > 0u && k < p.K) {
    for (var digit = 0u; digit < 4u; digit++) {
      let shift = 24u - 8u * digit;
      atomicStore(&hist[lid.x], 0u);
      workgroupBarrier();
      let pre = prefix;
      let highMask = select(0xffffffffu << (shift + 8u), 0u, digit == 0u);
      for (var j = lid.x; j < p.K; j += WG) {
        let kj = key(row, j);
        if ((kj & highMask) == pre) { atomicAdd(&hist[(kj >> shift) & 255u], 1u); }
      }
      workgroupBarrier();
      if (lid.x == 0u) {
        var below = 0u;
        var b = 0u;
        loop {
          let h = atomicLoad(&hist[b]);
          if (below + h >= remaining || b == 255u) { break; }
          below += h;
          b++;
        }
        prefix = pre | (b << shift);
        remaining -= below;
      }
      workgroupBarrier();
    }
  }
  workgroupBarrier();
  let t = prefix;
  let ties = remaining;          // keys equal to t to prune, lowest columns first
  // Count keys equal to t per word, then an exclusive scan so each word knows the ties before it.
  for (var wd = lid.x; wd < p.words; wd += WG) {
    var c = 0u;
    if (k > 0u && k < p.K) {
      for (var j = wd * 32u; j < min(p.K, wd * 32u + 32u); j++) { c += select(0u, 1u, key(row, j) == t); }
    }
    tiesBefore[wd] = c;
  }
  workgroupBarrier();
  if (lid.x == 0u) {
    var run = 0u;
    for (var wd = 0u; wd < p.words; wd++) { let c = tiesBefore[wd]; tiesBefore[wd] = run; run += c; }
  }
  workgroupBarrier();
  for (var wd = lid.x; wd < p.words; wd += WG) {
    var bits = 0u;
    var seen = tiesBefore[wd];
    for (var j = wd * 32u; j < min(p.K, wd * 32u + 32u); j++) {
      var keep = true;
      if (k >= p.K) { keep = false; }
      else if (k > 0u) {
        let kj = key(row, j);
        if (kj < t) { keep = false; }
        else if (kj == t) { keep = seen >= ties; seen++; }
      }
      if (keep) { bits |= 1u << (j & 31u); }
    }
    mask[row * p.words + wd] = bits;
  }
}
