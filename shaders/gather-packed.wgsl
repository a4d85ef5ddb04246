// gather.wgsl for f16 / bf16 weights kept in their dtype: out[i, j] = w[rowIdx[i], colIdx[j]] as raw 16-bit elements,
// two per u32 word (element 2e in the low half), one invocation per output word; a PAD index writes 0 (+0.0).
// loadBits: lib/weight-load-{f16,bf16}.wgsl.
struct Params { rows: u32, cols: u32, srcCols: u32 }
@group(0) @binding(0) var<storage, read> w: array<WStore>;           // [srcRows, srcCols] src, f16 / bf16
@group(0) @binding(1) var<storage, read> rowIdx: array<u32>;         // [rows] kept source rows (or PAD)
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;         // [cols] kept source columns (or PAD)
@group(0) @binding(3) var<storage, read_write> out: array<u32>;      // [ceil(rows * cols / 2)] packed words
@group(0) @binding(4) var<uniform> params: Params;

const PAD = 0xffffffffu;

// The raw bits of output element e (0 past the end or where an index is PAD).
fn element(e: u32) -> u32 {
  if (e >= params.rows * params.cols) { return 0u; }
  let r = rowIdx[e / params.cols];
  let c = colIdx[e % params.cols];
  return select(loadBits(r * params.srcCols + c), 0u, r == PAD || c == PAD);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e2 = gid.x + gid.y * nwg.x * 64u;
  if (2u * e2 >= params.rows * params.cols) { return; }
  out[e2] = element(2u * e2) | (element(2u * e2 + 1u) << 16u);
}
