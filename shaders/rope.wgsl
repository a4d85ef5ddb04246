// Rotary position embedding in place, HF rotate_half pairing over the first rotaryDim dimensions of each head
// (all of them unless partial): element i pairs with i + rotaryDim/2, (a, b) -> (a cos - b sin, b cos + a sin);
// dimensions from rotaryDim on pass through. cos/sin (already times the RoPE's attention scaling) come from a
// host-built float64-accurate table of the RoPE's inverse frequencies, so every RoPE variant is the same kernel.
struct Params { T: u32, nHeads: u32, headDim: u32, tableRows: u32, rotaryDim: u32 }
struct Position { pos0: u32, seq: u32 }  // seq > 0: batched windows of seq rows each (pos0 = 0)
@group(0) @binding(0) var<storage, read_write> x: array<f32>;        // [T, nHeads, headDim]
@group(0) @binding(1) var<storage, read> table: array<vec2<f32>>;    // [tableRows, rotaryDim/2]  (cos, sin)
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<uniform> position: Position;               // absolute position of row t = 0

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let half = params.rotaryDim / 2u;
  let i = gid.x + gid.y * nwg.x * 256u;            // one invocation per (t, head, pair)
  if (i >= params.T * params.nHeads * half) { return; }
  let pair = i % half;
  let th = i / half;                               // t * nHeads + head
  let t = th / params.nHeads;
  let pos = position.pos0 + select(t, t % position.seq, position.seq > 0u); // window-local in a batch
  if (pos >= params.tableRows) { return; }
  let cs = table[pos * half + pair];
  let base = th * params.headDim + pair;          // pairs with base + half, within the head's rotated part
  let a = x[base];
  let b = x[base + half];
  x[base] = a * cs.x - b * cs.y;
  x[base + half] = b * cs.x + a * cs.y;
}
