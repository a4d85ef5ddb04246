// Per-layer sparsity: what the allocation asked for next to what the masks achieved.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ACHIEVED, REQUESTED } from './chart-theme.ts';

export function AllocationChart({ allocation, achieved }: { allocation: number[]; achieved: number[] }) {
  const data = allocation.map((a, layer) => ({ layer, requested: +(a * 100).toFixed(2), achieved: +(achieved[layer] * 100).toFixed(2) }));
  return (
    <figure className="chart" data-testid="allocation-chart">
      <figcaption className="chart__title">Sparsity per layer</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 22, left: 8 }}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="layer" label={{ value: 'layer', position: 'insideBottom', offset: -12 }} />
          <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} width={48}
            label={{ value: 'sparsity (%)', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
          <Tooltip cursor={{ fill: 'rgba(127, 127, 127, 0.15)' }} formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(l) => `layer ${l}`} />
          <Legend verticalAlign="top" height={24} />
          <Bar dataKey="requested" name="requested" fill={REQUESTED} isAnimationActive={false} />
          <Bar dataKey="achieved" name="achieved" fill={ACHIEVED} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
