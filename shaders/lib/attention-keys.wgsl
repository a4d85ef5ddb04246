// Shared by the attention kernels (needs lib/attention-bindings.wgsl): what query row `row` = t * nHeads + h of the
// dispatch attends to. Query t sits at absolute position pos0 + t and sees cache rows [first, nKeys) of KV head
// kvHeadOf[h]: nKeys = pos0 + t + 1 (causal), first = 0, or in a sliding-window layer its last `window` keys
// (itself included), as transformers' sliding mask. Key j's values start at j * kvStride + kvOffset in k/vCache.
// Batched windows (position.seq > 0, pos0 = 0): row t is row t % seq of window t / seq, whose keys are the cache rows
// from (t / seq) * seq on; key indices stay window-local, so each row runs the same loop as when run alone.
fn localRow(t: u32) -> u32 { return select(t, t % position.seq, position.seq > 0u); }
fn keyCount(row: u32) -> u32 { return position.pos0 + localRow(row / params.nHeads) + 1u; }
fn firstKey(nKeys: u32) -> u32 { return select(0u, nKeys - min(nKeys, params.window), params.window > 0u); }
fn kvOffsetOf(row: u32) -> u32 {
  let t = row / params.nHeads;
  return (t - localRow(t)) * params.nKvHeads * params.headDim + kvHeadOf[row % params.nHeads] * params.headDim;
}
