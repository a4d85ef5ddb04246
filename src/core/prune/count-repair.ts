// The count repair (docs/algorithms.md §7.2): a method's per-layer rates become whole units (a row position of a
// map, a head, a kv-group, an MLP channel), and each method rounds them down its own way (floor per row, per
// layer). Summed over a model those floors lose up to a unit per layer and map (MRP at 50% removed 49.2%), so
// comparisons at "the same sparsity" were not at the same parameter count. This step moves the fewest units,
// largest remainders first, until the parameters removed are the requested count within half the finest unit.

/** One place whose units a method rounds: a map's per-row count in a layer, a layer's heads or channels. */
export interface CountSlot {
  /** Parameters one unit removes. */
  cost: number;
  /** Units the rate asks for (fractional). */
  ideal: number;
  /** Units the method's own rounding removes (the starting point). */
  start: number;
  /** Most units the slot may remove. */
  max: number;
}

/** Units moved on top of the method's own rounding, and what that changed. */
export interface CountRepair {
  /** Per slot, units removed after the repair. */
  units: number[];
  /** Parameters the rates ask for: round(sum of cost * ideal). */
  requested: number;
  /** Parameters the method's own rounding removes. */
  methodRounding: number;
  /** Parameters removed after the repair. */
  removed: number;
  /** Slots the repair moved. */
  moved: number;
}

/**
 * Repairs the slots' counts to the requested total. Coarse units first: each slot of a coarser cost moves at most
 * one unit towards its ideal (largest remainder first) while a whole unit is still missing, so coarse units never
 * overshoot; then the finest units fill what is left, one per slot per round (largest remainder first), until
 * |requested - removed| <= finest cost / 2; only if they run out of room do coarser ones move to the nearer side.
 * Ties: lower slot index. `requestedOverride` replaces round(sum of cost * ideal) as the target.
 */
export function repairCounts(slots: readonly CountSlot[], requestedOverride?: number): CountRepair {
  const units = slots.map((s) => Math.min(s.max, Math.max(0, s.start)));
  const total = () => units.reduce((a, n, i) => a + n * slots[i].cost, 0);
  const requested = requestedOverride ?? Math.round(slots.reduce((a, s) => a + s.cost * s.ideal, 0));
  const methodRounding = total();
  let gap = requested - methodRounding;
  const costs = [...new Set(slots.map((s) => s.cost))].sort((a, b) => b - a);
  // One round over the slots of `cost`: a unit each, in remainder order, while it brings the total nearer.
  const round = (cost: number, coarse: boolean): boolean => {
    const dir = gap > 0 ? 1 : -1;
    const order = slots.map((_, i) => i).filter((i) => slots[i].cost === cost)
      .sort((a, b) => dir * ((slots[b].ideal - units[b]) - (slots[a].ideal - units[a])) || a - b);
    let movedAny = false;
    for (const i of order) {
      if (Math.abs(gap) < (coarse ? cost : cost / 2) || gap === 0) break;
      const next = units[i] + (gap > 0 ? 1 : -1);
      if (next < 0 || next > slots[i].max) continue;
      if (coarse && Math.abs(next - slots[i].ideal) >= 1) continue;
      units[i] = next;
      gap -= (gap > 0 ? 1 : -1) * cost;
      movedAny = true;
    }
    return movedAny;
  };
  for (const cost of costs.slice(0, -1)) round(cost, true);
  // The finest units absorb the rest; coarser ones only when the finer run out of room.
  for (const cost of [...costs].reverse()) while (Math.abs(gap) > cost / 2 && round(cost, false));
  return {
    units, requested, methodRounding, removed: total(),
    moved: units.filter((n, i) => n !== Math.min(slots[i].max, Math.max(0, slots[i].start))).length,
  };
}
