// LayerNorm, one workgroup per row: out[t, :] = (x[t, :] - mean) / sqrt(var + eps) * weight + bias, with the
// biased variance of the row (torch.nn.LayerNorm). Two passes (mean, then squared deviations) keep the variance
// accurate when the mean is large against the spread.
struct Params { T: u32, dim: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;              // [T, dim]
@group(0) @binding(1) var<storage, read> weight: array<f32>;         // [dim]
@group(0) @binding(2) var<storage, read> bias: array<f32>;           // [dim]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;      // [T, dim]  (a different buffer from x)
@group(0) @binding(4) var<uniform> params: Params;

override WG: u32 = 64u;   // lanes per row, a power of two (1 on CPU-backed adapters: no barrier cost)
// reduceSum: shaders/lib/workgroup-reduce.wgsl.

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.T) { return; }
  let base = row * params.dim;
  var sum = 0.0;
  for (var j = lid.x; j < params.dim; j += WG) { sum += x[base + j]; }
  let mean = reduceSum(lid.x, sum) / f32(params.dim);
  workgroupBarrier();   // every lane has read red[0] before the next reduction stores into it
  var dev = 0.0;
  for (var j = lid.x; j < params.dim; j += WG) { let c = x[base + j] - mean; dev += c * c; }
  let inv = inverseSqrt(reduceSum(lid.x, dev) / f32(params.dim) + params.eps);
  for (var j = lid.x; j < params.dim; j += WG) { out[base + j] = (x[base + j] - mean) * inv * weight[j] + bias[j]; }
}
