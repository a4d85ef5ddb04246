// Every slider result on this model (kept in IndexedDB), newest first; pick two to compare them side by side:
// method, sparsity, perplexity, dense perplexity, protocol, zero-shot accuracy when measured, for a run made from the
// search's best vector the fitness that search minimised, and their per-layer allocations overlaid.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunRecord } from '../state/persistence.ts';
import { zeroShotDataSources } from '../core/zeroshot/zero-shot-summary.ts';
import { fitnessName, type RunSearchProvenance } from '../state/search-provenance.ts';
import { requestedAchieved } from '../state/requested-achieved.ts';
import { SERIES } from './chart-theme.ts';
import { useStudio } from './studio-context.tsx';
import './Share.css';

const pct = (v: number) => `${+(v * 100).toFixed(1)}%`;

function when(ms: number): string {
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString('en-GB') : d.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' });
}

function AllocationOverlay({ a, b }: { a: RunRecord; b: RunRecord }) {
  const la = a.outcome.result.allocation, lb = b.outcome.result.allocation;
  const data = Array.from({ length: Math.max(la.length, lb.length) }, (_, layer) => ({
    layer, A: la[layer] !== undefined ? +(la[layer] * 100).toFixed(2) : null, B: lb[layer] !== undefined ? +(lb[layer] * 100).toFixed(2) : null,
  }));
  return (
    <figure className="chart" data-testid="compare-chart">
      <figcaption className="chart__title">Allocated sparsity per layer</figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 22, left: 8 }} barGap={1}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="layer" label={{ value: 'layer', position: 'insideBottom', offset: -12 }} />
          <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} width={48}
            label={{ value: 'sparsity (%)', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
          <Tooltip cursor={{ fill: 'rgba(127, 127, 127, 0.15)' }} formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(l) => `layer ${l}`} />
          <Legend verticalAlign="top" height={24} />
          <Bar dataKey="A" name="run A" fill={SERIES[0]} isAnimationActive={false} />
          <Bar dataKey="B" name="run B" fill={SERIES[1]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** The zero-shot pair saved with a run: per task acc_norm (acc where lm-eval reports only acc), pruned then dense. */
function ZeroShotFacts({ zeroShot }: { zeroShot: NonNullable<RunRecord['zeroShot']> }) {
  return (
    <div data-testid="compare-zero-shot">
      <dt>0-shot</dt>
      <dd className="small">
        {zeroShot.pruned.tasks.map((t, i) => {
          const d = zeroShot.dense.tasks[i];
          const [name, m, dm] = t.accNorm && d.accNorm ? ['acc_norm', t.accNorm, d.accNorm] : ['acc', t.acc, d.acc];
          return <div key={t.task}>{t.task} {name} {pct(m.value)} <span className="muted">(dense {pct(dm.value)}, {t.documents} docs)</span></div>;
        })}
        <div className="muted" data-testid="compare-zero-shot-data">data: {zeroShotDataSources(zeroShot.pruned)}</div>
      </dd>
    </div>
  );
}

/** The search a run's vector came from: its fitness with the best's and the uniform baseline's values. */
function SearchFacts({ search }: { search: RunSearchProvenance }) {
  const digits = search.fitness === 'ppl' ? 3 : 4;
  return (
    <div data-testid="compare-search">
      <dt>Searched on</dt>
      <dd className="small">
        {fitnessName(search)}: best {search.best.toFixed(digits)}{search.uniform !== undefined && `, uniform ${search.uniform.toFixed(digits)}`}
        {search.tasks && <div className="muted">data sha256 {search.tasks.map((t) => `${t.name} ${t.sha256.slice(0, 12)}`).join(', ')}</div>}
      </dd>
    </div>
  );
}

function Column({ run, name, colour }: { run: RunRecord; name: string; colour: string }) {
  const o = run.outcome;
  return (
    <div className="compare__col" data-testid="compare-column">
      <div className="compare__name"><span className="compare__swatch" style={{ background: colour }} aria-hidden />{name}</div>
      <dl className="compare__facts">
        <div><dt>Method</dt><dd>{run.label}</dd></div>
        <div><dt>Sparsity</dt><dd>{pct(o.request.sparsity)} <span className="muted small">({pct(requestedAchieved(o).achieved)} achieved{requestedAchieved(o).basis === 'removable weights' ? ' of removable weights' : ''})</span></dd></div>
        <div><dt>Perplexity</dt><dd className="compare__ppl" data-testid="compare-ppl">{o.ppl.toFixed(4)}</dd></div>
        <div><dt>Dense</dt><dd>{o.densePpl.toFixed(4)} <span className="muted small">(×{(o.ppl / o.densePpl).toFixed(2)})</span></dd></div>
        <div><dt>Protocol</dt><dd className="small">{o.windows} × {o.seqLen} windows · calibration {o.calibration.windows} × {o.calibration.seqLen}</dd></div>
        {run.search && <SearchFacts search={run.search} />}
        {run.zeroShot && <ZeroShotFacts zeroShot={run.zeroShot} />}
      </dl>
    </div>
  );
}

export function RunHistoryPanel() {
  const runs = useStudio((s) => s.history.runs);
  const compare = useStudio((s) => s.history.compare);
  const error = useStudio((s) => s.history.error);
  const loaded = useStudio((s) => s.model.status === 'ready');
  const toggle = useStudio((s) => s.toggleCompare);
  const picked = compare.map((id) => runs.find((r) => r.id === id)).filter((r): r is RunRecord => r !== undefined);

  return (
    <section className="card" aria-labelledby="history-heading" data-testid="run-history">
      <div className="card__titlebar">
        <h2 id="history-heading" className="card__title">Run history</h2>
        {runs.length > 0 && <span className="muted small">{runs.length} on this model · tick two to compare</span>}
      </div>
      {error && <p className="notice-inline" data-testid="history-error">{error}</p>}
      {runs.length === 0 ? (
        <p className="muted small">
          {loaded ? 'Every slider result on this model is kept here (in this browser), newest first.' : 'Load a model to see its saved runs.'}
        </p>
      ) : (
        <div className="history__scroll">
          <table className="history">
            <thead>
              <tr><th aria-label="Compare" /><th>When</th><th>Method</th><th className="num" title="requested (achieved, counted from the masks)">Sparsity (achieved)</th><th className="num">Perplexity</th><th className="num">Dense</th></tr>
            </thead>
            <tbody>
              {runs.map((r) => {
                const on = compare.includes(r.id);
                const o = r.outcome;
                return (
                  <tr key={r.id} className={on ? 'history__row--on' : undefined} data-testid="history-row">
                    <td>
                      <input type="checkbox" checked={on} data-testid="history-pick" onChange={() => toggle(r.id)}
                        aria-label={`Compare ${r.label} at ${pct(o.request.sparsity)}`} />
                    </td>
                    <td className="small muted">{when(r.savedAt)}</td>
                    <td className="history__method">
                      {r.label}
                      {r.search && <span className="muted small" data-testid="history-search-fitness" data-fitness={r.search.fitness}
                        title="the fitness the search that chose this vector minimised"> · searched on {fitnessName(r.search)}</span>}
                      {r.zeroShot && <span className="muted small" title="zero-shot accuracy saved with this run"> · 0-shot</span>}
                    </td>
                    <td className="num">{pct(o.request.sparsity)} <span className="muted small">({pct(requestedAchieved(o).achieved)})</span></td>
                    <td className="num">{o.ppl.toFixed(3)}</td>
                    <td className="num muted">{o.densePpl.toFixed(3)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {picked.length === 2 && (
        <div className="compare" data-testid="run-compare">
          <div className="compare__cols">
            <Column run={picked[0]} name="Run A" colour={SERIES[0]} />
            <Column run={picked[1]} name="Run B" colour={SERIES[1]} />
          </div>
          <AllocationOverlay a={picked[0]} b={picked[1]} />
        </div>
      )}
    </section>
  );
}
