// The search's one seeded generator (pure-rand xoroshiro128+). Its state is a few integers, so a run's state file
// carries it and a resumed run draws exactly the numbers an uninterrupted run would have drawn.
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

export class SearchRng {
  private constructor(private readonly gen: JumpableRandomGenerator) {}

  static seeded(seed: number): SearchRng { return new SearchRng(xoroshiro128plus(seed | 0)); }
  static fromState(state: readonly number[]): SearchRng { return new SearchRng(xoroshiro128plusFromState(state)); }

  state(): number[] { return [...this.gen.getState()]; }

  /** Uniform in [0, 1). */
  uniform(): number { return uniformFloat64(this.gen); }

  /** Uniform integer in [0, n). */
  int(n: number): number { return Math.min(n - 1, Math.floor(this.uniform() * n)); }

  /** Standard normal (Box-Muller; one draw per call keeps the state simple to reason about). */
  normal(): number {
    const u = 1 - this.uniform(); // (0, 1]
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Gamma(shape, 1) by Marsaglia-Tsang (shape < 1 through the boost u^(1/shape)). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.uniform(), 1 / shape);
    const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal(), v0 = 1 + c * x;
      if (v0 <= 0) continue;
      const v = v0 * v0 * v0, u = 1 - this.uniform();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** Symmetric Dirichlet(concentration) sample of length n (sums to 1). */
  dirichlet(n: number, concentration: number): number[] {
    const g = Array.from({ length: n }, () => this.gamma(concentration));
    const sum = g.reduce((a, b) => a + b, 0);
    return g.map((x) => x / sum);
  }
}
