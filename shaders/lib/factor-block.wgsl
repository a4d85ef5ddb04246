// Shared by the blocked SparseGPT factor kernels (shaders/sparsegpt-factor-{diag,panel,update,scale,inverse}.wgsl;
// the math is in src/core/kernels/sparsegpt-factor-blocked.ts): the block size and one block's uniform. Block q
// covers rows and columns [r0, r1) = [q FB, min((q + 1) FB, K)); only the last block may be narrower than FB.
// `a` is the [K, K] scratch (row stride K), `u` the [K, Kp] factor (row stride Kp, a multiple of 4).
const FB = 32u;
struct FactorBlock { K: u32, Kp: u32, r0: u32, r1: u32 }
