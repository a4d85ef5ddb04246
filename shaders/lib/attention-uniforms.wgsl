// What every attention kernel binds besides its q / k / v / out buffers (bindings 0-3, declared by the kernel or by
// lib/attention-bindings.wgsl), in the order prepareAttention (src/core/kernels/attention.ts) binds them, and the
// largest head the kernels hold in their fixed-size arrays (the host's MAX_ATTENTION_HEAD_DIM).
struct Params { T: u32, nHeads: u32, nKvHeads: u32, headDim: u32, scale: f32, window: u32 }  // window 0 = whole context
struct Position { pos0: u32, seq: u32 }  // seq > 0: batched windows of seq rows each (pos0 = 0)
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<uniform> position: Position;
@group(0) @binding(6) var<storage, read> kvHeadOf: array<u32>;   // [nHeads] kv head of each query head

const MAX_HEAD_DIM = 256u;
