// A layers x columns sensitivity grid as SVG (columns: sparsity levels, or linear maps at one level): colour =
// log(1 + perplexity increase over dense) on a sequential yellow-orange-red scale (light = harmless, dark red =
// sensitive); empty cells wait for the stream; hover shows the numbers.
import { interpolateYlOrRd } from 'd3-scale-chromatic';
import type { ScanCell } from '../core/prune/sensitivity-scan.ts';
import { formatDelta } from './format.ts';

const CELL_W = 56, CELL_H = 30, LEFT = 64, TOP = 26;

/** 0..1 position of a perplexity increase on the log(1 + Δ) scale whose top is `max`. */
const position = (delta: number, max: number) => (max > 0 ? Math.log1p(Math.max(0, delta)) / Math.log1p(max) : 0);
export const levelLabel = (level: number) => `${+(level * 100).toFixed(1)}%`;

export interface HeatmapColumn { key: string; label: string }

/** What a cell is, in words ("layer 2 at 50% sparsity", "layer 2 · gate at 50% sparsity"). */
const cellName = (c: ScanCell) => `layer ${c.layer}${c.module === 'all' ? '' : ` · ${c.module}`} at ${levelLabel(c.level)} sparsity`;

export function SensitivityHeatmap({ layers, columns, cellAt, scaleCells, densePpl, axisTitle, testId = 'heatmap' }: {
  layers: number; columns: HeatmapColumn[]; cellAt: (layer: number, column: string) => ScanCell | undefined;
  /** The cells the colour scale spans (the whole scan, so colours compare across levels). */
  scaleCells: ScanCell[]; densePpl: number | null; axisTitle: string; testId?: string;
}) {
  const max = Math.max(0, ...scaleCells.map((c) => c.deltaPpl));
  // At least four columns wide so the axis title fits when only a few columns were scanned.
  const width = LEFT + Math.max(4, columns.length) * CELL_W + 4;
  const height = TOP + layers * CELL_H + 30;
  return (
    <figure className="heatmap" data-testid={testId}>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" style={{ maxWidth: `${width * 1.4}px` }} role="img"
        aria-label={`Sensitivity: ${layers} layers by ${columns.length} ${axisTitle}`}>
        {columns.map((col, j) => (
          <text key={col.key} className="heatmap__axis" x={LEFT + j * CELL_W + CELL_W / 2} y={TOP - 8} textAnchor="middle">
            {col.label}
          </text>
        ))}
        {Array.from({ length: layers }, (_, l) => (
          <g key={l}>
            <text className="heatmap__axis" x={LEFT - 8} y={TOP + l * CELL_H + CELL_H / 2 + 4} textAnchor="end">layer {l}</text>
            {columns.map((col, j) => {
              const c = cellAt(l, col.key);
              const x = LEFT + j * CELL_W, y = TOP + l * CELL_H;
              if (!c) return <rect key={col.key} className="heatmap__empty" x={x + 1} y={y + 1} width={CELL_W - 2} height={CELL_H - 2} rx={3} />;
              const t = position(c.deltaPpl, max);
              return (
                <g key={col.key} data-testid={`${testId}-cell`} data-layer={l} data-level={c.level} data-module={c.module}
                  data-ppl={c.ppl} data-delta={c.deltaPpl}>
                  <rect x={x + 1} y={y + 1} width={CELL_W - 2} height={CELL_H - 2} rx={3} fill={interpolateYlOrRd(0.05 + 0.9 * t)}>
                    <title>{`${cellName(c)}: perplexity ${c.ppl.toFixed(3)} (${c.deltaPpl >= 0 ? '+' : ''}${c.deltaPpl.toFixed(3)} over dense${densePpl !== null ? ` ${densePpl.toFixed(3)}` : ''})`}</title>
                  </rect>
                  <text className="heatmap__value" x={x + CELL_W / 2} y={y + CELL_H / 2 + 4} textAnchor="middle"
                    fill={t > 0.55 ? '#ffffff' : '#1f1300'} pointerEvents="none">{formatDelta(c.deltaPpl)}</text>
                </g>
              );
            })}
          </g>
        ))}
        <text className="heatmap__axis heatmap__axis--title" x={LEFT + (columns.length * CELL_W) / 2} y={height - 6} textAnchor="middle">
          {axisTitle}
        </text>
      </svg>
      <HeatmapLegend max={max} testId={`${testId}-legend`} />
    </figure>
  );
}

/** Gradient bar with Δ-perplexity ticks placed on the same log(1 + Δ) scale as the cells. */
function HeatmapLegend({ max, testId }: { max: number; testId: string }) {
  const stops = Array.from({ length: 11 }, (_, i) => i / 10);
  const ticks = max > 0 ? [0, 0.25, 0.5, 0.75, 1].map((t) => ({ t, v: Math.expm1(t * Math.log1p(max)) })) : [{ t: 0, v: 0 }];
  return (
    <div className="legend" data-testid={testId}>
      <div className="legend__bar" style={{ background: `linear-gradient(to right, ${stops.map((t) => interpolateYlOrRd(0.05 + 0.9 * t)).join(', ')})` }} />
      <div className="legend__ticks">
        {ticks.map(({ t, v }) => <span key={t} style={{ left: `${t * 100}%` }}>{formatDelta(v)}</span>)}
      </div>
      <div className="legend__caption">perplexity increase over dense (Δ ppl, log(1 + Δ) colour scale)</div>
    </div>
  );
}
