// Learned absolute positions (GPT-2's wpe, OPT's embed_positions): x[t, :] += table[pos0 + offset + t, :].
// The host refuses windows past the table, so a row beyond it is a bug; it is left as it is rather than read
// out of bounds.
struct Params { T: u32, dim: u32, offset: u32, tableRows: u32 }
struct Position { pos0: u32, seq: u32 }  // seq > 0: batched windows of seq rows each (pos0 = 0)
@group(0) @binding(0) var<storage, read_write> x: array<f32>;        // [T, dim]
@group(0) @binding(1) var<storage, read> table: array<f32>;          // [tableRows, dim]
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<uniform> position: Position;               // absolute position of row t = 0

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.T * params.dim) { return; }
  let t = i / params.dim;
  let row = position.pos0 + params.offset + select(t, t % position.seq, position.seq > 0u); // window-local in a batch
  if (row >= params.tableRows) { return; }
  x[i] = x[i] + table[row * params.dim + i % params.dim];
}
