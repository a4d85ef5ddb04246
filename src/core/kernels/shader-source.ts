// A kernel's WGSL with the shared helpers it uses (shaders/lib/*.wgsl) appended. WGSL resolves module-scope names
// in any order, so each kernel stays one file, names the helpers it calls, and the host lists what to append.
export const withLibs = (kernel: string, ...libs: string[]): string => [kernel, ...libs].join('\n');
