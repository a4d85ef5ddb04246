// The built-in optimizer (no LLM): seeded initial population, tournament selection, blend / one-point crossover,
// Gaussian mutation of a few layers (docs/algorithms.md §13, built-in operators).
import { repairToMean } from '../prune/allocation.ts';
import type { Optimizer, Proposal, Scored, SearchContext, Selection } from './operators.ts';

/** Sensitivity -> rates: the more a layer's perplexity rises when pruned alone, the less it is pruned. */
export function sensitivityShape(sensitivity: number[], target: number, pMax: number, eps = 0.15): number[] {
  const lo = Math.min(...sensitivity), hi = Math.max(...sensitivity);
  const raw = sensitivity.map((s) => (hi > lo ? target + eps - (2 * eps * (s - lo)) / (hi - lo) : target));
  return repairToMean(raw, target, 0, pMax);
}

function tournament(ctx: SearchContext, population: Scored[]): number {
  let best = ctx.rng.int(population.length);
  for (let i = 1; i < ctx.config.tournament; i++) {
    const c = ctx.rng.int(population.length);
    if (population[c].fitness < population[best].fitness) best = c;
  }
  return best;
}

export const gaOptimizer: Optimizer = {
  async initialize(ctx, count) {
    const { numLayers: L, target, pMax } = ctx.config;
    const out: Proposal[] = [{ operator: 'ga-init-uniform', rates: new Array(L).fill(target) }];
    if (ctx.shapes?.owl) out.push({ operator: 'ga-init-owl', rates: ctx.shapes.owl.slice() });
    if (ctx.shapes?.sensitivity) {
      out.push({ operator: 'ga-init-sensitivity', rates: sensitivityShape(ctx.shapes.sensitivity, target, pMax) });
    }
    // Dirichlet perturbations of the uniform vector, from close (concentration 50) to far (2), some around the
    // known shapes so their neighbourhood is explored too.
    const bases = [new Array(L).fill(target), ...out.slice(1).map((p) => p.rates)];
    for (let k = 0; out.length < count; k++) {
      const concentration = [50, 20, 8, 4, 2][k % 5];
      const base = bases[k % bases.length];
      const w = ctx.rng.dirichlet(L, concentration);
      out.push({ operator: 'ga-init-dirichlet', rates: base.map((b, i) => b * L * w[i]) });
    }
    return out.slice(0, count);
  },

  async select(ctx, population, crossovers, mutations): Promise<Selection> {
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < crossovers; i++) {
      const a = tournament(ctx, population);
      let b = tournament(ctx, population);
      if (b === a && population.length > 1) b = (a + 1 + ctx.rng.int(population.length - 1)) % population.length;
      pairs.push([a, b]);
    }
    const singles = Array.from({ length: mutations }, () => tournament(ctx, population));
    return { pairs, singles };
  },

  async crossover(ctx, a, b) {
    const L = a.rates.length;
    if (ctx.rng.uniform() < 0.5 || L < 2) {
      const t = ctx.rng.uniform();
      return { operator: 'ga-crossover-blend', rates: a.rates.map((x, i) => t * x + (1 - t) * b.rates[i]) };
    }
    const cut = 1 + ctx.rng.int(L - 1);
    return { operator: 'ga-crossover-one-point', rates: a.rates.map((x, i) => (i < cut ? x : b.rates[i])) };
  },

  async mutate(ctx, a) {
    const L = a.rates.length;
    const rates = a.rates.slice();
    const count = 1 + ctx.rng.int(Math.min(3, L));
    for (let k = 0; k < count; k++) rates[ctx.rng.int(L)] += ctx.config.sigma * ctx.rng.normal();
    return { operator: 'ga-mutation', rates };
  },
};
