// The sensitivity scan's levels as typed ("0.1, 0.5"): parsed and checked. Dependency-free, so the share-link
// codec (which also runs in Node for the e2e tests) can validate a link's levels with the studio's own rule.

/** The levels typed as "0.1, 0.5", or a message naming the bad entry. */
export function parseLevels(text: string): number[] | string {
  const parts = text.split(/[\s,]+/).filter((p) => p.length > 0);
  if (parts.length === 0) return 'enter at least one sparsity level, e.g. 0.3, 0.8';
  const levels: number[] = [];
  for (const p of parts) {
    const v = Number(p);
    if (!(v > 0 && v < 1)) return `level "${p}" is not a sparsity between 0 and 1 (exclusive)`;
    if (!levels.includes(v)) levels.push(v);
  }
  return levels.sort((a, b) => a - b);
}
