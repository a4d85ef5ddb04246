// Kept weights of one pruning bitset: counts[slot] += popcount of every word of mask (counts zeroed by the host).
// Each invocation sums PER words; the workgroup adds its lanes' sums once, so one atomic per workgroup reaches
// the shared counter.   mask: [n] u32   counts: [slots] u32
const PER = 16u;
struct Params { n: u32, slot: u32 }
@group(0) @binding(0) var<storage, read> mask: array<u32>;
@group(0) @binding(1) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(2) var<uniform> params: Params;
var<workgroup> total: atomic<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lane: u32) {
  let first = (gid.x + gid.y * nwg.x * 64u) * PER;
  var sum = 0u;
  for (var i = first; i < min(first + PER, params.n); i++) { sum += countOneBits(mask[i]); }
  atomicAdd(&total, sum);
  workgroupBarrier();
  if (lane == 0u) { atomicAdd(&counts[params.slot], atomicLoad(&total)); }
}
