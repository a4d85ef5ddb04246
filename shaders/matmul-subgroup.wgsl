enable subgroups;
// Register-blocked matmul that shares activations through subgroup shuffles instead of workgroup memory: no
// barriers, no staging. A workgroup owns 16 activation rows; each of its 64 invocations owns 4 weight rows
// (columns of y) and keeps 16 x 4 sums in registers. Per vec4 step along K a lane loads its own 4 weight vec4s and
// one slot of the 16 activation rows; the rows come to every lane by subgroupShuffle. K % 4 == 0.
// y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] + (hasBias ? bias[n] : 0)
// Correct whatever the mapping of invocations to subgroups: the rows depend only on the workgroup, the columns on
// the invocation, and slots on the lane id. It needs every subgroup full and of exactly SG lanes, the size the shader
// is built for (the adapter's subgroupMinSize == subgroupMaxSize); a subgroup of another size writes NaN, so a
// wrong assumption is loud (and the autotune checks each candidate's sums: matmul-tuning.ts).
// The host expands the template: $SG = subgroup size; "//slot" lines once per activation slot a lane holds
// (ceil(16 / SG), $j), "//row" lines once per row of the block ($r). The k order of every sum is blocked4x4's.
alias XW = vec4<f32>;   // x: 4 consecutive k per element; w through loadW4 (lib/weight-load-*.wgsl)
const XW_WIDTH = 4u;
const SG = $SGu;        // lanes per subgroup
const ROWS = 16u;       // activation rows per workgroup
// Bindings: shaders/lib/matmul-bindings.wgsl; wrow, xrow: lib/matmul-rows.wgsl; store: lib/matmul-store.wgsl;
// stageW4: lib/matmul-stage-dense.wgsl, or lib/matmul-stage-masked.wgsl (+ lib/matmul-mask.wgsl) for a pruned weight.

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) sgSize: u32) {
  let m0 = wid.y * ROWS;
  let n0 = (wid.x * 64u + li) * 4u;
  let K4 = p.K / 4u;
  // Columns past N are clamped, not skipped: every lane must take part in the shuffles.
  let w0 = wrow(n0); let w1 = wrow(n0 + 1u); let w2 = wrow(n0 + 2u); let w3 = wrow(n0 + 3u);
  // Slot j of this lane is row (lane + SG j) % 16 of the block; row r is slot r / SG of lane r % SG.
  //slot let xr$j = xrow(m0 + (lane + SG * $ju) % ROWS);
  //row var a$r = vec4<f32>(0.0);
  for (var k = 0u; k < K4; k++) {
    //slot let xv$j = x[xr$j + k];
    // Column j of W holds w[n0+j, 4k..4k+3]; a row vector times W gives 4 dot products.
    let W = mat4x4<f32>(stageW4(n0, w0, k), stageW4(n0 + 1u, w1, k), stageW4(n0 + 2u, w2, k), stageW4(n0 + 3u, w3, k));
    //row a$r += subgroupShuffle(xv$SLOT_r, $ru % SG) * W;
  }
  let poison = sgSize != SG;   // (the NaN is built from sgSize: WGSL refuses a constant NaN)
  //row store(m0 + $ru, n0, select(a$r, vec4<f32>(bitcast<f32>(0x7fc00000u | (sgSize & 0u))), poison));
}
