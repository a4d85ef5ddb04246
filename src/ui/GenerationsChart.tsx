// The search's generations: best and mean fitness of the population after each generation (lines), and every
// evaluated individual (dots, at its generation, jittered so clusters stay visible), on a log perplexity axis (a
// linear one for the zero-shot error).
import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { GenerationSummary } from '../core/search/search-types.ts';
import type { SearchPoint } from '../state/search-slice.ts';
import type { FitnessKind } from '../core/search/fitness-objective.ts';
import { SERIES } from './chart-theme.ts';

/** Deterministic jitter in [-0.25, 0.25] from the individual's id, so a re-render does not move the dots. */
const jitter = (id: number) => ((((id * 2654435761) >>> 0) % 1000) / 1000 - 0.5) * 0.5;

export function GenerationsChart({ summaries, points, generations, uniformFitness, fitness = 'ppl' }: {
  summaries: GenerationSummary[]; points: SearchPoint[]; generations: number; uniformFitness: number | null; fitness?: FitnessKind;
}) {
  // The zero-shot error lies in [0, 1] and can be 0: a linear axis (a log one has no place for 0).
  const zs = fitness === 'zeroshot';
  const evaluated = points.filter((p) => !p.cached);
  const dots = evaluated.map((p) => ({ x: p.generation + jitter(p.id), fitness: p.fitness, id: p.id, operator: p.operator }));
  const lines = summaries.map((g) => ({ x: g.generation, best: g.best, mean: g.mean }));
  const all = [...dots.map((d) => d.fitness), ...lines.map((l) => l.mean)].filter((v) => (zs ? v >= 0 : v > 0) && v < 1e30);
  const lo = all.length ? Math.min(...all) : zs ? 0 : 1, hi = all.length ? Math.max(...all) : zs ? 1 : 10;
  const pad = zs ? Math.max(0.01, (hi - lo) * 0.1) : 0;
  const domain = zs ? [Math.max(0, lo - pad), Math.min(1, hi + pad)] : [lo / 1.1, hi * 1.1];
  const ticks = Array.from({ length: generations + 1 }, (_, g) => g).filter((g) => generations <= 12 || g % Math.ceil(generations / 10) === 0);
  return (
    <figure className="chart" data-testid="generations-chart">
      <figcaption className="chart__title chart__title--row">
        <span>{zs ? 'Zero-shot error' : 'Perplexity'} per generation</span>
        <span className="small muted" data-testid="generations-caption">
          {summaries.length} of {generations + 1} generations · {evaluated.length} evaluations
          {uniformFitness !== null && ` · uniform ${uniformFitness.toFixed(zs ? 3 : 2)}`}
        </span>
      </figcaption>
      <ResponsiveContainer width="100%" height={260}>
        <ComposedChart margin={{ top: 8, right: 16, bottom: 22, left: 8 }}>
          <CartesianGrid />
          <XAxis type="number" dataKey="x" domain={[-0.5, generations + 0.5]} ticks={ticks} allowDecimals={false}
            tickFormatter={(v: number) => String(Math.round(v))}
            label={{ value: 'generation (0 = initial population)', position: 'insideBottom', offset: -12 }} />
          <YAxis type="number" dataKey="fitness" scale={zs ? 'linear' : 'log'} domain={domain} allowDataOverflow width={56}
            tickFormatter={(v: number) => (zs ? v.toFixed(2) : v >= 100 ? v.toFixed(0) : v.toFixed(1))}
            label={{ value: zs ? 'zero-shot error' : 'perplexity (log)', angle: -90, position: 'insideLeft', offset: 4, style: { textAnchor: 'middle' } }} />
          <Tooltip formatter={(v) => Number(v).toFixed(3)} labelFormatter={(l) => `generation ${Math.round(Number(l))}`} />
          <Legend verticalAlign="top" height={24} />
          <Scatter name="individual" data={dots} fill={SERIES[2]} fillOpacity={0.6} isAnimationActive={false} shape="circle" />
          <Line name="best" data={lines} dataKey="best" stroke={SERIES[0]} strokeWidth={2.5} dot={{ r: 3 }} isAnimationActive={false} />
          <Line name="population mean" data={lines} dataKey="mean" stroke={SERIES[1]} strokeWidth={2} strokeDasharray="5 3"
            dot={false} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}
