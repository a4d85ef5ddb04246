// Shared by the one-workgroup selection kernels: the k-th smallest of `total` u32 keys by a 4-pass radix select
// (8 bits per pass, a workgroup histogram), then the exclusive scan that orders ties. The including kernel declares
// `const WG: u32` (its workgroup size) and `fn selectKey(i: u32) -> u32` for i in [0, total); both functions must
// be called by every invocation of the workgroup (they hold barriers).
var<workgroup> hist: array<atomic<u32>, 256>;   // keys per digit value, among keys matching prefix
var<workgroup> tiesBefore: array<u32, WG>;      // keys equal to t in each invocation's run, then exclusive scan
var<workgroup> prefix: u32;                     // the high digits of t decided so far (all of t at the end)
var<workgroup> remaining: u32;                  // keys matching prefix that still have to be selected

/** Leaves the k-th smallest key t in `prefix` and, in `remaining`, how many keys equal to t are among the k
 *  smallest. `partial` (0 < k < total) must be uniform; otherwise prefix = 0 and remaining = k. */
fn radixSelect(lane: u32, k: u32, total: u32, partial: bool) {
  if (lane == 0u) { prefix = 0u; remaining = k; }
  if (partial) {
    // Most significant digit first.
    for (var digit = 0u; digit < 4u; digit++) {
      let shift = 24u - 8u * digit;
      for (var h = lane; h < 256u; h += WG) { atomicStore(&hist[h], 0u); }
      workgroupBarrier();
      let pre = prefix;
      let highMask = select(0xffffffffu << (shift + 8u), 0u, digit == 0u);
      for (var i = lane; i < total; i += WG) {
        let ki = selectKey(i);
        if ((ki & highMask) == pre) { atomicAdd(&hist[(ki >> shift) & 255u], 1u); }
      }
      workgroupBarrier();
      if (lane == 0u) {
        // The digit of the remaining-th smallest key: skip whole bins while they hold fewer than `remaining`.
        var below = 0u;
        var h = 0u;
        loop {
          let c = atomicLoad(&hist[h]);
          if (below + c >= remaining || h == 255u) { break; }
          below += c;
          h++;
        }
        prefix = pre | (h << shift);
        remaining -= below;
      }
      workgroupBarrier();
    }
  }
  workgroupBarrier();
}

/** Ties (keys equal to t) before this invocation's run, given `own` in its run: an exclusive scan over the lanes. */
fn tiesBeforeLane(lane: u32, own: u32) -> u32 {
  tiesBefore[lane] = own;
  workgroupBarrier();
  if (lane == 0u) {
    var run = 0u;
    for (var i = 0u; i < WG; i++) { let c = tiesBefore[i]; tiesBefore[i] = run; run += c; }
  }
  workgroupBarrier();
  return tiesBefore[lane];
}
