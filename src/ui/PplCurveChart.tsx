// Perplexity against sparsity, one line per method, filling in with every evaluated slider position.
import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CurvePoint } from '../state/prune-slice.ts';
import { SERIES } from './chart-theme.ts';

export function PplCurveChart({ points }: { points: CurvePoint[] }) {
  const [log, setLog] = useState(true);
  const methods = [...new Set(points.map((p) => p.method))];
  // Recharts' 'auto' domain on a log axis clips the top point; pad the measured range instead.
  const ppls = points.map((p) => p.ppl);
  const domain: [number, number] = log ? [Math.min(...ppls) / 1.15, Math.max(...ppls) * 1.15] : [0, Math.max(...ppls) * 1.08];
  return (
    <figure className="chart" data-testid="ppl-curve">
      <figcaption className="chart__title chart__title--row">
        <span>Perplexity vs sparsity</span>
        <label className="small"><input type="checkbox" checked={log} onChange={(e) => setLog(e.currentTarget.checked)} /> log scale</label>
      </figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart margin={{ top: 8, right: 12, bottom: 22, left: 8 }}>
          <CartesianGrid />
          <XAxis type="number" dataKey="sparsity" domain={[0, 90]} ticks={[0, 15, 30, 45, 60, 75, 90]}
            label={{ value: 'removed, achieved (% of linear-layer weights)', position: 'insideBottom', offset: -12 }} />
          <YAxis type="number" scale={log ? 'log' : 'linear'} domain={domain} width={56} allowDataOverflow
            tickFormatter={(v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1))}
            label={{ value: 'perplexity', angle: -90, position: 'insideLeft', offset: 4, style: { textAnchor: 'middle' } }} />
          <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(l) => `${l}% of the weights removed`} />
          <Legend verticalAlign="top" height={24} />
          {methods.map((m, i) => (
            <Line key={m} name={m} dataKey="ppl" stroke={SERIES[i % SERIES.length]} strokeWidth={2} isAnimationActive={false}
              data={points.filter((p) => p.method === m).map((p) => ({ sparsity: +(p.sparsity * 100).toFixed(1), ppl: p.ppl }))}
              dot={{ r: 3 }} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
