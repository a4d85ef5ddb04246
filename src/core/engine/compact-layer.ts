// A structurally pruned decoder layer as the forward plan runs it: its own head count and MLP width, with
// compacted copies of the maps whose shapes change (k, v and the norms stay the dense tensors: every kv head
// keeps at least one query head). Built by src/core/prune/compaction.ts from the dense weights.
export interface CompactLayer {
  nHeads: number;        // kept query heads
  ffn: number;           // MLP width: kept channels, padded to a multiple of 4 with zero channels
  q: GPUBuffer;          // [nHeads*hd, d]   kept rows of q_proj
  qBias?: GPUBuffer;     // [nHeads*hd]      kept entries of q_proj's bias (qwen2)
  o: GPUBuffer;          // [d, nHeads*hd]   kept columns of o_proj
  gate: GPUBuffer;       // [ffn, d]         kept rows of gate_proj
  up: GPUBuffer;         // [ffn, d]         kept rows of up_proj
  down: GPUBuffer;       // [d, ffn]         kept columns of down_proj
  kvHeadOf: GPUBuffer;   // [nHeads] u32     kv head of each kept query head
}
