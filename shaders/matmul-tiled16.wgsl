// Tiled matmul: 16x16 workgroups, one output per invocation, 16x16 tiles of x and w staged in workgroup
// memory (each element loaded from global memory once per workgroup). The fast shape on real GPUs.
// y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] + (hasBias ? bias[n] : 0)     Any M, N, K.
alias XW = f32;   // bindings: shaders/lib/matmul-bindings.wgsl; w through loadW (lib/weight-load-*.wgsl)

var<workgroup> xs: array<array<f32, 17>, 16>;   // [row in tile][k in tile], padded against bank conflicts
var<workgroup> ws: array<array<f32, 17>, 16>;   // [column in tile][k in tile]

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let m = wid.y * 16u + lid.y;            // output row of this invocation
  let n = wid.x * 16u + lid.x;            // output column of this invocation
  let wn = wid.x * 16u + lid.y;           // weight row this invocation stages
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.K; k0 += 16u) {
    let k = k0 + lid.x;
    var xv = 0.0;
    if (m < p.M && k < p.K) { xv = x[m * p.K + k]; }
    var wv = 0.0;
    if (wn < p.N && k < p.K) { wv = loadW(wn * p.K + k); }
    xs[lid.y][lid.x] = xv;
    ws[lid.y][lid.x] = wv;
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) { acc += xs[lid.y][kk] * ws[lid.x][kk]; }
    workgroupBarrier();
  }
  if (m < p.M && n < p.N) {
    y[m * p.ldy + p.yColOffset + n] = acc + select(0.0, bias[n], p.hasBias != 0u);
  }
}
