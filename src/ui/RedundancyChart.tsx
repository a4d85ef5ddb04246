// MRP: redundancy R_l per layer after the uniform start and after the final prune, with their spreads
// (MRP aims for equal redundancy, so the spread should shrink).
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { AFTER, BEFORE } from './chart-theme.ts';
import { niceTicks } from './format.ts';

export function RedundancyChart({ before, after, spreadBefore, spreadAfter }: {
  before: number[]; after: number[]; spreadBefore: number; spreadAfter: number;
}) {
  const data = before.map((b, layer) => ({ layer, before: b, after: after[layer] }));
  // Redundancies sit close together (around 0.97 for stories260K): zoom the axis onto their range.
  const all = [...before, ...after];
  const pad = Math.max(1e-3, (Math.max(...all) - Math.min(...all)) * 0.25);
  const { domain, ticks, digits } = niceTicks(Math.max(0, Math.min(...all) - pad), Math.min(1, Math.max(...all) + pad), 5);
  return (
    <figure className="chart" data-testid="redundancy-chart">
      <figcaption className="chart__title">
        MRP redundancy per layer · spread <span data-testid="spread-before">{spreadBefore.toFixed(4)}</span> →{' '}
        <span data-testid="spread-after">{spreadAfter.toFixed(4)}</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={180}>
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 22, left: 8 }}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="layer" label={{ value: 'layer', position: 'insideBottom', offset: -12 }} />
          <YAxis width={56} domain={domain} ticks={ticks} interval={0} allowDataOverflow tickFormatter={(v: number) => v.toFixed(digits)}
            label={{ value: 'redundancy', angle: -90, position: 'insideLeft', offset: 4, style: { textAnchor: 'middle' } }} />
          <Tooltip cursor={{ fill: 'rgba(127, 127, 127, 0.15)' }} formatter={(v) => Number(v).toFixed(4)} labelFormatter={(l) => `layer ${l}`} />
          <Legend verticalAlign="top" height={24} />
          <Bar dataKey="before" name="after uniform start" fill={BEFORE} isAnimationActive={false} />
          <Bar dataKey="after" name="after MRP" fill={AFTER} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
