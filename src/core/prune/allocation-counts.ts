// Per-layer rates -> the whole units a prune removes, repaired to the requested parameter count (count-repair.ts,
// docs/algorithms.md §7.2): unstructured, each map's per-row prune count in each layer; structured, each layer's
// query heads (or whole kv-groups) and MLP channels. Pure CPU arithmetic on the model's shapes, so the search can
// key and count a vector without pruning it.
import { mlpMatrices } from '../model/spec.ts';
import type { ModelSpec } from '../model/spec.ts';
import { repairCounts, type CountSlot } from './count-repair.ts';
import type { LayerRemovals } from './flap-global.ts';
import { layerMaps } from './linear-maps.ts';
import { removedCount } from './structured-selection.ts';

/** What a share of parameters is counted over: every weight of the seven linear maps (unstructured), or the
 * weights structured pruning can remove (query heads' q rows and o columns, kv-groups' k and v rows too, and the
 * MLP channels' gate / up rows and down columns). */
export type CountBasis = 'linear weights' | 'removable weights';

/** The parameters a prune removes, against what it was asked. */
export interface ParameterCount {
  basis: CountBasis;
  /** Parameters of the basis. */
  total: number;
  /** round(rates x parameters): what the allocation asks for. */
  requested: number;
  /** What the method's own rounding (floor per row / per layer) would remove. */
  methodRounding: number;
  /** What this prune removes (after the count repair). */
  removed: number;
}

export const requestedShare = (c: ParameterCount) => c.requested / c.total;
export const removedShare = (c: ParameterCount) => c.removed / c.total;

/** Slack of the floors (0.12 + 13 x 0.01 must not lose a unit), as prunedPerRow and removedCount use. */
const floorOf = (x: number) => Math.floor(x + 1e-9);

/** Unstructured row-wise masks: per layer, per map (layerMaps order), the weights pruned in each row. */
export function unstructuredCounts(spec: ModelSpec, rates: readonly number[]): { rowCounts: number[][]; count: ParameterCount } {
  const slots: CountSlot[] = [];
  let total = 0;
  rates.forEach((s, l) => {
    for (const m of layerMaps(spec, l)) {
      slots.push({ cost: m.N, ideal: m.K * s, start: Math.min(m.K, floorOf(m.K * s)), max: m.K });
      total += m.N * m.K;
    }
  });
  const r = repairCounts(slots);
  const perLayer = slots.length / Math.max(1, rates.length);
  const rowCounts = rates.map((_, l) => r.units.slice(l * perLayer, (l + 1) * perLayer));
  return { rowCounts, count: { basis: 'linear weights', total, requested: r.requested, methodRounding: r.methodRounding, removed: r.removed } };
}

/** Parameters one query head, one kv-group (its k, v rows and all its query heads) and one channel remove. */
export function structuredUnitCosts(spec: ModelSpec): { head: number; kvGroup: number; channel: number } {
  const { hiddenSize: d, headDim: hd, numHeads: nH, numKvHeads: nKv } = spec;
  const head = 2 * d * hd;
  return { head, kvGroup: (nH / nKv) * head + 2 * d * hd, channel: mlpMatrices(spec) * d };
}

/** Multi-head attention (GPT-2, OPT): every head is its own kv-group, so a head goes with its k / v rows. */
export const isMultiHead = (spec: Pick<ModelSpec, 'numHeads' | 'numKvHeads'>): boolean => spec.numHeads === spec.numKvHeads;

/** Parameters of one layer's removable units. */
function removableTotal(spec: ModelSpec, kvGroups: boolean): number {
  const c = structuredUnitCosts(spec);
  return (kvGroups ? spec.numKvHeads * c.kvGroup : spec.numHeads * c.head) + spec.intermediateSize * c.channel;
}

/** Parameters that per-layer removals (query heads, a multiple of the group size with kv-groups; channels) take. */
export function structuredRemoved(spec: ModelSpec, removals: readonly LayerRemovals[], kvGroups = isMultiHead(spec)): number {
  const c = structuredUnitCosts(spec), group = spec.numHeads / spec.numKvHeads;
  return removals.reduce((a, r) => a + (kvGroups ? (r.heads / group) * c.kvGroup : r.heads * c.head) + r.channels * c.channel, 0);
}

/**
 * Structured: per layer, the query heads (with kv-groups, whole groups' worth of them) and channels removed at rate
 * p_l (a share of the layer's removable weights), repaired to the requested count. Bounds: every kv-group keeps
 * a query head (or, with kv-groups, one group stays) and every layer a channel.
 */
export function structuredCounts(spec: ModelSpec, rates: readonly number[], kvGroups = isMultiHead(spec)):
  { removals: LayerRemovals[]; count: ParameterCount } {
  const { numHeads: nH, numKvHeads: nKv, intermediateSize: f } = spec;
  const c = structuredUnitCosts(spec), group = nH / nKv;
  const slots: CountSlot[] = rates.flatMap((p) => [
    kvGroups ? { cost: c.kvGroup, ideal: p * nKv, start: floorOf(p * nKv), max: nKv - 1 }
      : { cost: c.head, ideal: p * nH, start: removedCount(p, nH), max: nH - nKv },
    { cost: c.channel, ideal: p * f, start: removedCount(p, f), max: f - 1 },
  ]);
  const r = repairCounts(slots);
  const removals = rates.map((_, l) => ({
    heads: r.units[2 * l] * (kvGroups ? group : 1), channels: r.units[2 * l + 1],
  }));
  const total = rates.length * removableTotal(spec, kvGroups);
  return { removals, count: { basis: 'removable weights', total, requested: r.requested, methodRounding: r.methodRounding, removed: r.removed } };
}

/** The count of removals chosen elsewhere (flap-global ranks units itself, to the unit nearest its budget). */
export function structuredCountOf(spec: ModelSpec, removals: readonly LayerRemovals[], share: number): ParameterCount {
  const total = removals.length * removableTotal(spec, isMultiHead(spec));
  const removed = structuredRemoved(spec, removals);
  return { basis: 'removable weights', total, requested: Math.round(share * total), methodRounding: removed, removed };
}
