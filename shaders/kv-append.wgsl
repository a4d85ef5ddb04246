// Appends this step's keys or values to the KV cache: cache[(pos0 + t) * width + j] = src[t * width + j].
// Rows at or past maxRows are dropped (the host sizes the cache; this only keeps writes in bounds).
struct Params { T: u32, width: u32, maxRows: u32 }
struct Position { pos0: u32, seq: u32 }  // seq > 0: batched windows of seq rows each (pos0 = 0)
@group(0) @binding(0) var<storage, read> src: array<f32>;            // [T, width]
@group(0) @binding(1) var<storage, read_write> cache: array<f32>;    // [maxRows, width]
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<uniform> position: Position;               // absolute position of row t = 0

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.T * params.width) { return; }
  if (position.pos0 + i / params.width >= params.maxRows) { return; }
  cache[position.pos0 * params.width + i] = src[i];
}
