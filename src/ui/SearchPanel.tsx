// The Self-Pruner search: method, target, GA sizes, optimizer (built-in or an OpenAI-compatible LLM), a live
// generations chart, the best vector's per-layer rates, progress with an ETA, cancel and resume.
import type { SearchMethod } from '../state/search-settings.ts';
import { followedSettings, isStructured, maxTarget, PAPER_PRESET, plannedEvaluationsOf, QUICK_PRESET } from '../state/search-settings.ts';
import { removedShare } from '../core/prune/allocation-counts.ts';
import { isGpuBusy } from '../state/studio-store.ts';
import { missingFitnessFiles } from '../state/search-slice.ts';
import type { FitnessKind } from '../core/search/fitness-objective.ts';
import { ChoiceGroup } from './ChoiceGroup.tsx';
import { ErrorBox } from './ErrorBox.tsx';
import { GenerationsChart } from './GenerationsChart.tsx';
import { NumberField } from './NumberField.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { RatesChart } from './RatesChart.tsx';
import { useStudio } from './studio-context.tsx';
import { formatEta } from './format.ts';
import './PrunePanels.css';
import './SearchPanel.css';

const METHODS: Array<{ value: SearchMethod; label: string }> = [
  { value: 'wanda-sp', label: 'Wanda-sp · heads + channels' },
  { value: 'magnitude-sp', label: 'Magnitude-sp · heads + channels' },
  { value: 'flap', label: 'FLAP · heads + channels' },
  { value: 'wanda', label: 'Wanda · weights' },
  { value: 'magnitude', label: 'Magnitude · weights' },
];

const OPERATORS = [
  { value: 'ga' as const, label: 'Built-in', hint: 'seeded GA: tournament of 3, blend / one-point crossover, Gaussian mutation (σ 0.05)' },
  { value: 'llm' as const, label: 'LLM', hint: 'an OpenAI-compatible /v1/chat/completions endpoint proposes, selects, crosses and mutates' },
];

const FITNESSES = [
  { value: 'ppl' as const, label: 'Perplexity', hint: 'on the perplexity panel\'s windows (the paper\'s)' },
  { value: 'zeroshot' as const, label: 'Zero-shot', hint: '1 - mean acc_norm (acc for boolq, rte, winogrande) on the Zero-shot panel\'s tasks' },
];

/** What a run's fitness numbers are, in the result's words. */
const FITNESS_NAME: Record<FitnessKind, string> = { ppl: 'perplexity', zeroshot: 'zero-shot error' };

export function SearchPanel() {
  const search = useStudio((s) => s.search);
  const model = useStudio((s) => s.model.summary);
  const ready = useStudio((s) => s.gpu.status === 'ready' && s.model.status === 'ready' && !!s.text.file);
  const busy = useStudio(isGpuBusy);
  const set = useStudio((s) => s.setSearchSettings);
  const setKey = useStudio((s) => s.setLlmKey);
  const run = useStudio((s) => s.runSearch);
  const cancel = useStudio((s) => s.cancelSearch);
  const dismiss = useStudio((s) => s.dismissSearchError);
  const applyVector = useStudio((s) => s.applyVector);
  const methodPanel = useStudio((s) => s.prune.method);
  const sliderSparsity = useStudio((s) => s.prune.sparsity);
  const follow = useStudio((s) => s.followMethodPanel);
  const zeroShotTasks = useStudio((s) => s.zeroShot.settings.tasks);
  const zeroShotLimit = useStudio((s) => s.zeroShot.settings.limit);
  const missing = useStudio(missingFitnessFiles);
  // Until the user edits the method or target, they are the method panel's (computed here: a selector returning a
  // fresh object would re-render forever).
  const st = followedSettings(search.settings, search.followsMethodPanel, methodPanel, sliderSparsity);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const running = search.status === 'running';
  const pMax = model ? maxTarget(st.method, model.heads, model.kvHeads) : 0.95;
  const lastGeneration = search.summaries.at(-1)?.generation;
  const fitness = st.fitness ?? 'ppl';
  const ran = FITNESS_NAME[search.ranFitness];

  return (
    <section className="card search-card" aria-labelledby="search-heading">
      <div className="card__titlebar">
        <h2 id="search-heading" className="card__title"><span className="step">7</span> Evolutionary search (Self-Pruner)</h2>
        <span className="muted small" data-testid="search-fitness-caption">
          {fitness === 'ppl' ? <>fitness = perplexity on the perplexity panel&apos;s windows</>
            : <>fitness = zero-shot error on {zeroShotTasks.length > 0 ? zeroShotTasks.join(', ') : 'the Zero-shot panel\'s tasks'}</>}
        </span>
      </div>
      <div className="search-grid">
        <label className="field">
          <span className="field__label">Pruning per vector</span>
          <select value={st.method} disabled={busy} data-testid="search-method" onChange={(e) => set({ method: e.currentTarget.value as SearchMethod })}>
            {METHODS.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
          </select>
          <span className="field__hint" data-testid="search-method-hint">
            rate = fraction of {isStructured(st.method) ? 'heads and MLP channels' : 'weights'} removed per layer
            {search.followsMethodPanel ? ' · follows the method panel' : ''}
          </span>
        </label>
        <label className="field">
          <span className="field__label">Target rate (%)</span>
          <input type="number" min={1} max={Math.floor(pMax * 100)} step={1} disabled={busy} data-testid="search-target"
            value={Number.isNaN(st.target) ? '' : +(st.target * 100).toFixed(4)}
            onChange={(e) => set({ target: e.currentTarget.value === '' ? Number.NaN : Number(e.currentTarget.value) / 100 })} />
          <span className="field__hint">mean over layers; each in [0, {(pMax * 100).toFixed(1)}%]</span>
        </label>
        <NumberField label="Population" value={st.population} min={2} testId="search-population" disabled={busy}
          hint="survivors per generation" onChange={(population) => set({ population })} />
        <NumberField label="Generations" value={st.generations} min={0} testId="search-generations" disabled={busy}
          hint="after the initial one" onChange={(generations) => set({ generations })} />
        <NumberField label="Crossovers" value={st.crossovers} min={0} testId="search-crossovers" disabled={busy}
          hint="children per generation" onChange={(crossovers) => set({ crossovers })} />
        <NumberField label="Mutations" value={st.mutations} min={0} testId="search-mutations" disabled={busy}
          hint="children per generation" onChange={(mutations) => set({ mutations })} />
        <NumberField label="Seed" value={st.seed} min={0} testId="search-seed" disabled={busy}
          hint="same seed, same run" onChange={(seed) => set({ seed })} />
      </div>
      <div className="search-presets">
        <button type="button" className="btn btn--small" data-testid="search-from-method" disabled={busy}
          title="follow the method panel again: its score and pattern, and the slider's sparsity as the target"
          onClick={follow}>Use the method panel&apos;s pruning</button>
        <button type="button" className="btn btn--small" data-testid="search-preset-quick" disabled={busy}
          title="population 8, 3 generations, 4 crossovers and 4 mutations: minutes on a small model"
          onClick={() => set(QUICK_PRESET)}>Quick preset</button>
        <button type="button" className="btn btn--small" data-testid="search-preset-paper" disabled={busy}
          title="population 30, 20 generations, 10 crossovers and 10 mutations (the paper's)"
          onClick={() => set(PAPER_PRESET)}>Paper&apos;s preset</button>
      </div>
      <ChoiceGroup legend="Fitness" name="search-fitness" testId="search-fitness" value={fitness} choices={FITNESSES}
        disabled={busy} onChange={(f) => set({ fitness: f })} />
      {fitness === 'zeroshot' && (
        <p className="small muted" data-testid="search-fitness-tasks">
          {zeroShotTasks.length > 0
            ? `Tasks and files from the Zero-shot panel: ${zeroShotTasks.join(', ')}${zeroShotLimit !== null ? `, first ${zeroShotLimit} documents each` : ', every document'}. Each individual is scored on all of them: slower than perplexity.`
            : 'Pick the tasks and their files in the Zero-shot panel.'}
        </p>
      )}
      {missing && <p className="notice-inline" data-testid="search-fitness-missing">{missing}</p>}
      <ChoiceGroup legend="Optimizer" name="search-operator" testId="search-operator" value={st.operator} choices={OPERATORS}
        disabled={busy} onChange={(operator) => set({ operator })} />
      {st.operator === 'llm' && (
        <div className="search-grid search-grid--llm" data-testid="llm-settings">
          <label className="field">
            <span className="field__label">Endpoint base URL</span>
            <input type="url" value={st.llmUrl} disabled={busy} data-testid="llm-url" onChange={(e) => set({ llmUrl: e.currentTarget.value })} />
            <span className="field__hint">POST {'{URL}'}/v1/chat/completions (llama.cpp, Ollama, vLLM, hosted)</span>
          </label>
          <label className="field">
            <span className="field__label">Model</span>
            <input type="text" value={st.llmModel} disabled={busy} data-testid="llm-model" placeholder="e.g. qwen2.5-7b-instruct"
              onChange={(e) => set({ llmModel: e.currentTarget.value })} />
            <span className="field__hint">the name the endpoint expects</span>
          </label>
          <label className="field">
            <span className="field__label">API key (optional)</span>
            <input type="password" autoComplete="off" value={search.apiKey} disabled={busy} data-testid="llm-key"
              onChange={(e) => setKey(e.currentTarget.value)} />
            <span className="field__hint">kept in this tab&apos;s memory only: never saved, logged or put in a link</span>
          </label>
          <NumberField label="Timeout (s)" value={st.llmTimeoutSeconds} min={1} testId="llm-timeout" disabled={busy}
            hint="then retry once, then the built-in step" onChange={(llmTimeoutSeconds) => set({ llmTimeoutSeconds })} />
        </div>
      )}
      <div className="search-actions">
        <span className="small muted">up to {plannedEvaluationsOf(st)} evaluations (repeats come from the cache)</span>
        {running ? (
          <button type="button" className="btn btn--danger" data-testid="cancel-search" onClick={() => void cancel()}>Cancel</button>
        ) : (
          <>
            {search.resumable && (
              <button type="button" className="btn" data-testid="resume-search" disabled={!ready || busy}
                onClick={() => void run({ resume: true })}>Resume</button>
            )}
            <button type="button" className="btn btn--primary" data-testid="run-search" disabled={!ready || busy} onClick={() => void run()}>Search</button>
          </>
        )}
      </div>
      {running && (
        <ProgressBar testId="search-progress" fraction={search.total > 0 ? search.done / search.total : 0}
          left={search.total > 0 ? `${search.done} / ${search.total} individuals${lastGeneration !== undefined ? ` · generation ${lastGeneration} done` : ''}`
            : 'Dense baseline, calibration and OWL shape…'}
          right={search.done > 0 ? formatEta(search.etaSeconds) : undefined} />
      )}
      {search.status === 'cancelled' && (
        <p className="notice-inline" data-testid="search-cancelled">
          Cancelled after {search.done} individuals.{search.resumable ? ' Resume continues exactly where it stopped.' : ''}
        </p>
      )}
      {search.status === 'error' && search.error && <ErrorBox error={search.error} title="Search failed" onDismiss={dismiss} />}
      {search.llmNotes.length > 0 && (
        <details className="small" data-testid="llm-notes">
          <summary>{search.llmNotes.length} LLM step{search.llmNotes.length > 1 ? 's' : ''} fell back or retried</summary>
          <ul>{search.llmNotes.map((n, i) => <li key={i} className="mono">{n}</li>)}</ul>
        </details>
      )}
      {search.best && (
        <div className="prune-result__numbers" data-testid="search-result">
          <div className="big-number">
            <span className="field__label">best {ran}</span>
            <span className="big-number__value" data-testid="search-best-fitness" data-value={search.best.fitness}>{search.best.fitness.toFixed(3)}</span>
          </div>
          {search.uniformFitness !== null && (
            <div className="big-number big-number--dense">
              <span className="field__label">uniform, same parameter count</span>
              <span className="big-number__value" data-testid="search-uniform-fitness" data-value={search.uniformFitness}>{search.uniformFitness.toFixed(3)}</span>
              <span className="small muted">
                {/* Errors are shares of documents: their difference reads as accuracy points. */}
                {search.ranFitness === 'zeroshot' ? `best − uniform = ${(search.best.fitness - search.uniformFitness).toFixed(3)}`
                  : `best / uniform = ${(search.best.fitness / search.uniformFitness).toFixed(3)}`}
              </span>
            </div>
          )}
          {search.ranFitness === 'zeroshot' ? search.denseFitness !== null && (
            <div className="big-number big-number--dense">
              <span className="field__label">dense {ran}</span>
              <span className="big-number__value" data-testid="search-dense-fitness" data-value={search.denseFitness}>{search.denseFitness.toFixed(3)}</span>
              {search.densePpl !== null && <span className="small muted">dense perplexity {search.densePpl.toFixed(3)}</span>}
            </div>
          ) : search.densePpl !== null && (
            <div className="big-number big-number--dense">
              <span className="field__label">dense</span>
              <span className="big-number__value">{search.densePpl.toFixed(3)}</span>
            </div>
          )}
          {search.counts && search.config && (
            <p className="small muted search-counts" data-testid="search-counts">
              {search.counts.best.basis} removed: {pct(search.config.target)} requested · best {pct(removedShare(search.counts.best))} achieved
              {' '}({search.counts.best.removed.toLocaleString('en-US')}) · uniform at {pct(search.counts.uniformRate)}
              {' '}{pct(removedShare(search.counts.uniform))} achieved ({search.counts.uniform.removed.toLocaleString('en-US')})
            </p>
          )}
          {search.status === 'done' && (
            <button type="button" className="btn search-apply" data-testid="apply-best" disabled={!ready || busy}
              title="prune with this vector in the Sparsity panel (allocation chart, curve, export)"
              onClick={() => {
                const m = search.ranMethod ?? st.method;
                void applyVector(search.best!.rates, isStructured(m) ? 'heads' : 'off', m.startsWith('magnitude') ? 'magnitude' : 'wanda',
                  'evolved', { flap: m === 'flap', kvGroups: false });
              }}>
              Apply on the slider
            </button>
          )}
        </div>
      )}
      {(search.points.length > 0 || running) && search.config && (
        <div className="search-charts">
          <GenerationsChart summaries={search.summaries} points={search.points} generations={search.config.generations}
            uniformFitness={search.uniformFitness} fitness={search.ranFitness} />
          {search.best && <RatesChart rates={search.best.rates} target={search.config.target} pMax={search.config.pMax} />}
        </div>
      )}
      {search.status === 'idle' && search.points.length === 0 && (
        <p className="muted small">
          Searches per-layer pruning rates with mean = target: an initial population (uniform, OWL-shaped, Dirichlet
          perturbations), then selection, crossover and mutation, keeping the best (Huang et al. 2025).
        </p>
      )}
    </section>
  );
}
