// Per-layer pruning rates of the best vector found, next to the uniform vector at the same target.
import { Bar, BarChart, CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ACHIEVED, REQUESTED } from './chart-theme.ts';

export function RatesChart({ rates, target, pMax }: { rates: number[]; target: number; pMax: number }) {
  const data = rates.map((r, layer) => ({ layer, evolved: +(r * 100).toFixed(2) }));
  const top = Math.min(100, Math.ceil((pMax * 100) / 10) * 10);
  return (
    <figure className="chart" data-testid="rates-chart">
      <figcaption className="chart__title chart__title--row">
        <span>Best vector per layer</span>
        <span className="small muted">dashed: uniform {(target * 100).toFixed(0)}%</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 22, left: 8 }}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="layer" label={{ value: 'layer', position: 'insideBottom', offset: -12 }} />
          <YAxis domain={[0, top]} ticks={Array.from({ length: top / 10 + 1 }, (_, i) => i * 10).filter((t) => top <= 50 || t % 20 === 0)} width={48}
            label={{ value: 'removed (%)', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
          <Tooltip cursor={{ fill: 'rgba(127, 127, 127, 0.15)' }} formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(l) => `layer ${l}`} />
          <Legend verticalAlign="top" height={24} />
          <ReferenceLine y={target * 100} stroke={REQUESTED} strokeDasharray="6 3" strokeWidth={2} ifOverflow="extendDomain" />
          <Bar dataKey="evolved" name="evolved" fill={ACHIEVED} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
