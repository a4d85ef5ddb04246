// The q / k / v / out buffers of the scalar attention kernels (the rest: lib/attention-uniforms.wgsl).
@group(0) @binding(0) var<storage, read> q: array<f32>;              // [T, nHeads, headDim]
@group(0) @binding(1) var<storage, read> kCache: array<f32>;         // [rows, nKvHeads, headDim]
@group(0) @binding(2) var<storage, read> vCache: array<f32>;         // [rows, nKvHeads, headDim]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;      // [T, nHeads, headDim]
