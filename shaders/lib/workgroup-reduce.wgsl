// Shared by the kernels that reduce over the lanes of a workgroup (one workgroup per row). The including kernel
// declares `WG` (const or override, a power of two): its workgroup size along x. Every invocation of the workgroup
// must make the same calls (they hold barriers), and a lane's `lane` is its local_invocation_id.x.
var<workgroup> red: array<f32, WG>;            // reduction scratch

/** The max / sum over the workgroup of each lane's v, by a tree over red. The result is red[0], read before the
 *  next reduction's store only after a workgroupBarrier() (the caller places it). */
fn reduceMax(lane: u32, v: f32) -> f32 {
  red[lane] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride) { red[lane] = max(red[lane], red[lane + stride]); }
    workgroupBarrier();
  }
  return red[0];
}
fn reduceSum(lane: u32, v: f32) -> f32 {
  red[lane] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride) { red[lane] += red[lane + stride]; }
    workgroupBarrier();
  }
  return red[0];
}
