// A kernel's WGSL with the shared helpers it uses (shaders/lib/*.wgsl) appended. WGSL resolves module-scope names
// in any order, so each kernel stays one file, names the helpers it calls, and the host lists what to append.
export const withLibs = (kernel: string, ...libs: string[]): string => [kernel, ...libs].join('\n');

/** Unrolls a template kernel: every line `//TAG statement` becomes `statement` `count` times, with `fill` giving
 * copy i (it replaces the template's placeholders, e.g. $i). Indentation is kept. */
export function repeatLines(text: string, tag: string, count: number, fill: (statement: string, i: number) => string): string {
  return text.replace(new RegExp(`^(\\s*)//${tag} (.*)$`, 'gm'), (_, indent: string, statement: string) =>
    Array.from({ length: count }, (_, i) => indent + fill(statement, i)).join('\n'));
}
