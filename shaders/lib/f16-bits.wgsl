// f16 bits (low 16 bits of h) -> f32, in integer arithmetic: every f16, subnormals included, is a normal f32, so the
// result is exact whatever the adapter does with subnormals (shared by weight-load-f16 and weight-load-q8_0).
fn f16Bits(h: u32) -> f32 {
  let s = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  let normal = s | ((e + 112u) << 23u) | (m << 13u);
  let special = s | 0x7f800000u | (m << 13u);                            // inf / NaN
  let subnormal = s | bitcast<u32>(f32(m) * 5.9604644775390625e-8);      // m * 2^-24, exact
  return bitcast<f32>(select(select(normal, special, e == 31u), subnormal, e == 0u));
}
