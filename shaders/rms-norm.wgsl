// RMSNorm, one workgroup per row: out[t, :] = x[t, :] / sqrt(mean(x[t, :]^2) + eps) * (weight + offset)
// (offset 0: LLaMA; 1: Gemma, whose stored weights are offsets from one).
struct Params { T: u32, dim: u32, eps: f32, offset: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;              // [T, dim]
@group(0) @binding(1) var<storage, read> weight: array<f32>;         // [dim]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // [T, dim]  (a different buffer from x)
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 64u;   // lanes per row, a power of two (1 on CPU-backed adapters: no barrier cost)
// reduceSum: shaders/lib/workgroup-reduce.wgsl.

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.T) { return; }
  let base = row * params.dim;
  var sum = 0.0;
  for (var j = lid.x; j < params.dim; j += WG) { let v = x[base + j]; sum += v * v; }
  let inv = inverseSqrt(reduceSum(lid.x, sum) / f32(params.dim) + params.eps);
  for (var j = lid.x; j < params.dim; j += WG) { out[base + j] = x[base + j] * inv * (weight[j] + params.offset); }
}
