// Shared by the selection kernels. A non-negative score as a u32 that orders like the value: the f32 bits with the
// sign cleared (-0 -> 0, e.g. |w| * sqrt(-0)); NaN -> 0xffffffff, above +Inf, so NaN counts as the highest score.
fn scoreBits(s: f32) -> u32 {
  let b = bitcast<u32>(s) & 0x7fffffffu;
  return select(b, 0xffffffffu, b > 0x7f800000u);
}
