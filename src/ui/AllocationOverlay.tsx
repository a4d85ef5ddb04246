// Per-layer sparsity of every allocation at the slider's target, overlaid: uniform, OWL, MRP (computed by the
// worker on demand from the calibration windows, no perplexity evaluated, cached per target) and the search's
// best vector when a search has run. The allocation the slider uses now is drawn bold.
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { allocationKey } from '../state/allocation-slice.ts';
import { effectiveAllocation, METRIC_NAMES } from '../state/prune-settings.ts';
import { isGpuBusy, type StudioState } from '../state/studio-store.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { SERIES } from './chart-theme.ts';
import { useStudio } from './studio-context.tsx';
import { formatSeconds } from './format.ts';
import './AllocationPanels.css';

interface Series { id: string; label: string; values: number[]; color: string; note?: string }

const COLORS: Record<string, string> = { uniform: '#94a3b8', owl: SERIES[0], mrp: SERIES[2], evolved: SERIES[1], explicit: SERIES[3] };
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const pct = (v: number) => `${+(v * 100).toFixed(1)}%`;

/** Which series the slider prunes with now. */
function currentId(s: StudioState): string {
  if (s.prune.explicit) return s.prune.explicitOrigin;
  return effectiveAllocation(s.prune.method);
}

function progressLabel(p: { phase: string; done: number; total: number } | null): string {
  if (!p) return 'Calibration statistics…';
  if (p.phase === 'MRP') return `MRP: mean sparsity ${(p.done * 100).toFixed(1)}% of ${(p.total * 100).toFixed(0)}%`;
  return `${p.phase}: ${p.done} / ${p.total}`;
}

export function AllocationOverlay() {
  const layers = useStudio((s) => s.model.summary?.layers ?? 0);
  const target = useStudio((s) => s.prune.sparsity);
  const computed = useStudio((s) => s.allocations.cache[allocationKey(s)] ?? null);
  const alloc = useStudio((s) => s.allocations);
  const best = useStudio((s) => s.search.best);
  const searchTarget = useStudio((s) => s.search.config?.target ?? null);
  const searchStructured = useStudio((s) => s.search.ranMethod === 'wanda-sp' || s.search.ranMethod === 'magnitude-sp');
  const explicit = useStudio((s) => (s.prune.explicitOrigin === 'explicit' ? s.prune.explicit : null));
  const current = useStudio(currentId);
  const ready = useStudio((s) => s.gpu.status === 'ready' && s.model.status === 'ready' && !!s.text.file);
  const busy = useStudio(isGpuBusy);
  const nm = useStudio((s) => s.prune.method.nm);
  const compute = useStudio((s) => s.computeAllocations);
  const cancel = useStudio((s) => s.cancelAllocations);
  const dismiss = useStudio((s) => s.dismissAllocationError);
  const running = alloc.status === 'running';
  if (layers === 0) return null;

  const series: Series[] = [{ id: 'uniform', label: 'uniform', values: Array(layers).fill(target), color: COLORS.uniform }];
  if (computed) {
    series.push({ id: 'owl', label: 'OWL', values: computed.owl, color: COLORS.owl });
    series.push({ id: 'mrp', label: 'MRP', values: computed.mrp, color: COLORS.mrp,
      note: `${METRIC_NAMES[computed.metric]} redundancy` });
  }
  if (best && best.rates.length === layers) {
    const off = searchTarget !== null && Math.abs(searchTarget - target) > 1e-9;
    series.push({ id: 'evolved', label: 'evolved', values: best.rates, color: COLORS.evolved,
      note: `search’s best${off ? ` at ${pct(searchTarget!)}` : ''}${searchStructured ? ' · rates of heads + channels removed' : ''}` });
  }
  if (explicit && explicit.length === layers) series.push({ id: 'explicit', label: 'typed vector', values: explicit, color: COLORS.explicit });
  const data = Array.from({ length: layers }, (_, l) => Object.fromEntries([['layer', l], ...series.map((s) => [s.id, +(s.values[l] * 100).toFixed(2)])]));
  const top = Math.min(100, Math.ceil((Math.max(...series.flatMap((s) => s.values)) * 100 + 5) / 10) * 10);

  return (
    <section className="card" aria-labelledby="overlay-heading">
      <div className="card__titlebar">
        <h2 id="overlay-heading" className="card__title"><span className="step" aria-hidden>≋</span> Allocation across layers</h2>
        <span className="muted small">at the slider’s {pct(target)}</span>
      </div>
      <div className="overlay__controls">
        <p className="small muted overlay__hint">
          {nm !== 'off' ? 'The slider’s pattern forces uniform; OWL and MRP show what they would allocate unstructured. ' : ''}
          OWL and MRP come from the calibration windows (MRP runs its whole loop); nothing is evaluated.
        </p>
        {running ? (
          <button type="button" className="btn btn--danger" data-testid="cancel-allocations" onClick={() => void cancel()}>Cancel</button>
        ) : !computed && (
          <button type="button" className="btn" data-testid="compute-allocations" disabled={!ready || busy || !(target > 0)}
            onClick={() => void compute()}>Compute OWL + MRP at {pct(target)}</button>
        )}
      </div>
      {running && <ProgressBar testId="allocations-progress" fraction={alloc.progress && alloc.progress.total > 0 ? alloc.progress.done / alloc.progress.total : 0}
        left={progressLabel(alloc.progress)} />}
      {alloc.status === 'cancelled' && !computed && <p className="notice-inline" data-testid="allocations-cancelled">Cancelled.</p>}
      {alloc.status === 'error' && alloc.error && <ErrorBox error={alloc.error} title="Allocations failed" onDismiss={dismiss} />}
      {target > 0 ? (
        <figure className="chart" data-testid="allocation-overlay" data-target={target}>
          <ResponsiveContainer width="100%" height={240}>
            <LineChart data={data} margin={{ top: 8, right: 12, bottom: 22, left: 8 }}>
              <CartesianGrid vertical={false} />
              <XAxis dataKey="layer" label={{ value: 'layer', position: 'insideBottom', offset: -12 }} />
              <YAxis domain={[0, top]} width={48}
                label={{ value: 'sparsity (%)', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
              <Tooltip formatter={(v, name) => [`${Number(v).toFixed(1)}%`, series.find((s) => s.id === name)?.label ?? String(name)]}
                labelFormatter={(l) => `layer ${l}`} />
              {/* The current series first, so the thinner ones stay visible where they coincide with it. */}
              {[...series].sort((a, b) => Number(b.id === current) - Number(a.id === current)).map((s) => (
                <Line key={s.id} dataKey={s.id} stroke={s.color} isAnimationActive={false}
                  strokeWidth={s.id === current ? 3.5 : 1.75} strokeOpacity={s.id === current ? 1 : 0.8}
                  strokeDasharray={s.id === 'uniform' ? '6 4' : undefined} dot={{ r: s.id === current ? 4 : 2.5, fill: s.color }} />
              ))}
            </LineChart>
          </ResponsiveContainer>
          <ul className="overlay__legend">
            {series.map((s) => (
              <li key={s.id} className={`overlay__item${s.id === current ? ' overlay__item--current' : ''}`} data-testid="overlay-series"
                data-name={s.id} data-values={s.values.join(',')} data-mean={mean(s.values)}>
                <span className="overlay__swatch" style={{ background: s.color }} aria-hidden />
                <span className="overlay__name">{s.label}</span>
                <span className="overlay__stats">mean {pct(mean(s.values))} · {pct(Math.min(...s.values))}–{pct(Math.max(...s.values))}</span>
                {s.note && <span className="overlay__note">{s.note}</span>}
                {s.id === current && <span className="overlay__badge">current</span>}
              </li>
            ))}
          </ul>
          {computed && <figcaption className="small muted" data-testid="allocations-seconds">OWL + MRP computed in {formatSeconds(computed.seconds)}</figcaption>}
        </figure>
      ) : (
        <p className="muted small">Release the slider at a sparsity to compare the allocations at that target.</p>
      )}
    </section>
  );
}
