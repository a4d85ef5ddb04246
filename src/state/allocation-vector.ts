// A per-layer allocation vector typed in the studio ("0.2, 0.3, ..." or a JSON array): parsed here, then
// checked by the core's own requestRefusal, so the studio says exactly what `prunelab prune --alloc` says.
import { requestRefusal } from '../core/prune/prune-options.ts';

export type ParsedVector = { vector: number[]; problem?: undefined } | { vector?: undefined; problem: string };

/** Splits the text into numbers: a JSON array, or entries separated by commas, spaces or semicolons. */
function entries(text: string): number[] | string {
  const trimmed = text.trim();
  if (trimmed.length === 0) return 'type one sparsity per layer, e.g. 0.3, 0.5, 0.7 or [0.3, 0.5, 0.7]';
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try { parsed = JSON.parse(trimmed); } catch { return `${trimmed} is not a JSON array of numbers`; }
    if (!Array.isArray(parsed)) return `${trimmed} is not a JSON array of numbers`;
    const bad = parsed.findIndex((x) => typeof x !== 'number');
    if (bad >= 0) return `entry ${bad} (${JSON.stringify(parsed[bad])}) is not a number`;
    return parsed as number[];
  }
  const parts = trimmed.split(/[\s,;]+/).filter((p) => p.length > 0);
  const values: number[] = [];
  for (const [i, p] of parts.entries()) {
    // "NaN" parses to NaN and gets the core's range message; anything else that is no number is named here.
    const v = Number(p);
    if (Number.isNaN(v) && p !== 'NaN') return `entry ${i} ("${p}") is not a number`;
    values.push(v);
  }
  return values;
}

/** The vector for a model of `layers` layers, or the problem in the core's words. */
export function parseAllocationVector(text: string, layers: number): ParsedVector {
  const v = entries(text);
  if (typeof v === 'string') return { problem: v };
  // The metric and sparsity do not matter for the vector's own checks (length, each entry in [0, 1)).
  const problem = requestRefusal({ metric: 'wanda', sparsity: 0, allocation: v }, layers);
  return problem === null ? { vector: v } : { problem };
}

/** How a vector is written back into the field: short decimals, comma-separated. */
export const formatVector = (v: number[]) => v.map((x) => String(+x.toFixed(4))).join(', ');
