// Compaction for structured pruning: out[i, j] = src[rowIdx[i], colIdx[j]], one invocation per output element.
// Copies the kept rows / columns of a dense weight (never modified) into a smaller matrix the matmuls then read.
// An index of PAD (0xffffffff) writes 0: compacted widths are padded to a multiple of 4 with zero rows / columns
// so the matmuls keep their vec4 kernels.
struct Params { rows: u32, cols: u32, srcCols: u32 }
@group(0) @binding(0) var<storage, read> w: array<WStore>;           // [srcRows, srcCols] src, its stored dtype: loadW
                                                                     // (lib/weight-load-*.wgsl); out is always f32
@group(0) @binding(1) var<storage, read> rowIdx: array<u32>;         // [rows] kept source rows (or PAD)
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;         // [cols] kept source columns (or PAD)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;      // [rows, cols]
@group(0) @binding(4) var<uniform> params: Params;

const PAD = 0xffffffffu;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * 64u;
  if (e >= params.rows * params.cols) { return; }
  let i = e / params.cols;
  let j = e % params.cols;
  let r = rowIdx[i];
  let c = colIdx[j];
  out[e] = select(loadW(r * params.srcCols + c), 0.0, r == PAD || c == PAD);
}
