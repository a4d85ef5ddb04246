// Shared by the attention kernels (needs lib/attention-bindings.wgsl): what query row `row` = t * nHeads + h of the
// dispatch attends to. Query t sits at absolute position pos0 + t and sees cache rows [first, nKeys) of KV head
// kvHeadOf[h]: nKeys = pos0 + t + 1 (causal), first = 0, or in a sliding-window layer its last `window` keys
// (itself included), as transformers' sliding mask. Key j's values start at j * kvStride + kvOffset in k/vCache.
fn keyCount(row: u32) -> u32 { return position.pos0 + row / params.nHeads + 1u; }
fn firstKey(nKeys: u32) -> u32 { return select(0u, nKeys - min(nKeys, params.window), params.window > 0u); }
fn kvOffsetOf(row: u32) -> u32 { return kvHeadOf[row % params.nHeads] * params.headDim; }
