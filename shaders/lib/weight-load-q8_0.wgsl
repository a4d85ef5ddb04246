// Weight loads for q8_0 weights (GGUF Q8_0; src/core/kernels/weight-binding.ts): blocks of 32 weights in 9 u32 words,
// the f16 scale d in the low half of word 0, then 32 int8 quants q, 4 per word (little-endian). weight = d * q in f32
// (one correctly rounded product, as the CPU decoder's Math.fround(d * q)). Rows hold whole blocks (K % 32 == 0).
// The including kernel declares its weight binding as `w: array<WStore>`; loadW(i) is element i, loadW4(i) elements
// 4i .. 4i+3 (one quant word). f16Bits: lib/f16-bits.wgsl.
alias WStore = u32;
fn q8Scale(block: u32) -> f32 { return f16Bits(w[block * 9u] & 0xffffu); }
fn loadW(i: u32) -> f32 {
  let block = i >> 5u;
  let q = extractBits(bitcast<i32>(w[block * 9u + 1u + ((i & 31u) >> 2u)]), (i & 3u) * 8u, 8u);
  return q8Scale(block) * f32(q);
}
fn loadW4(i: u32) -> vec4<f32> {
  let block = i >> 3u;
  let v = bitcast<i32>(w[block * 9u + 1u + (i & 7u)]);
  let q = vec4<f32>(f32(extractBits(v, 0u, 8u)), f32(extractBits(v, 8u, 8u)), f32(extractBits(v, 16u, 8u)), f32(extractBits(v, 24u, 8u)));
  return q8Scale(block) * q;
}
