// Embedding lookup for one vocabulary chunk: out[t, :] = table[tokens[t] - rowStart, :] * scale when
// rowStart <= tokens[t] < rowStart + rowCount; rows of other tokens are left untouched (another chunk writes them).
// scale is 1, or Gemma's sqrt(hidden_size) as the model's dtype rounds it.
struct Params { T: u32, dim: u32, rowStart: u32, rowCount: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> w: array<WStore>;           // [rowCount, dim]  vocabulary rows of this chunk, its
                                                                     // stored dtype: loadW (lib/weight-load-*.wgsl)
@group(0) @binding(1) var<storage, read> tokens: array<u32>;         // [T]              token ids
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // [T, dim]
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.T * params.dim) { return; }
  let t = i / params.dim;
  let token = tokens[t];
  if (token < params.rowStart || token - params.rowStart >= params.rowCount) { return; }
  out[i] = loadW((token - params.rowStart) * params.dim + i % params.dim) * params.scale;
}
