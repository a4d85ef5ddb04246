// The Self-Pruner search's slice: settings, the optimizer LLM's key (memory only: never persisted, never in a
// URL), every evaluated individual for the scatter, best and mean per generation, progress with an ETA, cancel,
// and resuming a cancelled run from its last checkpoint.
import type { Evaluation, GenerationSummary, OperatorName, SearchConfig, SearchState } from '../core/search/search-types.ts';
import { bestOf, plannedEvaluations } from '../core/search/search.ts';
import type { WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import { sensitivityAt } from '../core/search/model-description.ts';
import { etaSeconds } from './eta.ts';
import { methodProblem } from './prune-settings.ts';
import { DEFAULT_SEARCH, searchSettingsProblem, toSearchRequest, type SearchSettings } from './search-settings.ts';
import type { StudioState } from './studio-store.ts';

/** One evaluated individual as the scatter draws it. */
export interface SearchPoint { id: number; generation: number; fitness: number; operator: OperatorName; cached: boolean; rates: number[] }

const toPoint = (e: Evaluation, id: number): SearchPoint =>
  ({ id, generation: e.generation, fitness: e.fitness, operator: e.operator, cached: e.cached, rates: e.rates });

export interface SearchSlice {
  settings: SearchSettings;
  /** The pruning method of the run shown (the settings may have been edited since). */
  ranMethod: SearchSettings['method'] | null;
  apiKey: string;
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  config: SearchConfig | null;
  points: SearchPoint[];
  summaries: GenerationSummary[];
  best: { rates: number[]; ppl: number } | null;
  uniformPpl: number | null;
  densePpl: number | null;
  done: number;
  total: number;
  etaSeconds: number | null;
  /** The latest LLM failures (the run goes on with the built-in operator). */
  llmNotes: string[];
  /** A cancelled run can be continued from its last checkpoint. */
  resumable: boolean;
  error: WorkerErrorInfo | null;
}

export interface SearchActions {
  setSearchSettings(patch: Partial<SearchSettings>): void;
  setLlmKey(key: string): void;
  runSearch(opts?: { resume?: boolean }): Promise<void>;
  cancelSearch(): Promise<void>;
  dismissSearchError(): void;
  /** The last checkpoint of the run shown (null before any): what persistence saves to resume after a reload. */
  getSearchCheckpoint(): SearchState | null;
  /** Calls `listener` with every new checkpoint (and the final state); returns the unsubscribe. */
  watchSearchCheckpoints(listener: (state: SearchState) => void): () => void;
  /** Shows a saved run (chart, best, progress) and makes it the one `runSearch({ resume: true })` continues. */
  restoreSearchCheckpoint(state: SearchState): void;
}

export const idleSearch = (settings: SearchSettings = DEFAULT_SEARCH, apiKey = ''): SearchSlice => ({
  settings, ranMethod: null, apiKey, status: 'idle', config: null, points: [], summaries: [], best: null, uniformPpl: null, densePpl: null,
  done: 0, total: 0, etaSeconds: null, llmNotes: [], resumable: false, error: null,
});

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

export function searchActions(set: Set, get: () => StudioState, client: StudioClient, now: () => number): SearchActions {
  const patch = (fn: (p: SearchSlice) => Partial<SearchSlice>) => set((s) => ({ search: { ...s.search, ...fn(s.search) } }));
  const fail = (code: string, message: string) => patch(() => ({ status: 'error', error: { code, message } }));
  // The last checkpoint stays out of the reactive state (it grows with every evaluation).
  let checkpoint: SearchState | null = null;
  const watchers = new Set<(state: SearchState) => void>();
  const saved = (state: SearchState) => { checkpoint = state; for (const w of watchers) w(state); };

  return {
    setSearchSettings(p) { patch((s) => ({ settings: { ...s.settings, ...p } })); },
    setLlmKey(apiKey) { patch(() => ({ apiKey })); },

    async runSearch(opts = {}) {
      const s = get();
      if (s.ppl.status === 'running' || s.gen.status === 'running' || s.prune.status === 'running'
        || s.scan.status === 'running' || s.search.status === 'running') return;
      if (s.gpu.status !== 'ready') return fail('WebGPUUnavailable', 'No GPU device is available in this browser.');
      if (s.model.status !== 'ready' || !s.model.summary) return fail('BadRequest', 'Load a model first.');
      if (!s.text.file) return fail('BadRequest', 'Choose an evaluation text file first.');
      const { settings, apiKey } = s.search;
      const problem = searchSettingsProblem(settings, s.model.summary.heads, s.model.summary.kvHeads)
        ?? methodProblem(s.prune.method, s.ppl.settings.maxWindows, s.prune.calibFile !== null);
      if (problem) return fail('BadRequest', problem);
      const resume = opts.resume && checkpoint ? checkpoint : undefined;
      const started = now();
      let startedDone = 0;
      set((st) => ({
        search: resume ? { ...st.search, status: 'running', error: null, etaSeconds: null, resumable: false }
          : { ...idleSearch(st.search.settings, st.search.apiKey), status: 'running', ranMethod: settings.method },
      }));
      const { seqLen, maxWindows } = s.ppl.settings;
      try {
        // A finished (or partial but complete at one level) layer scan shapes one individual and informs the LLM.
        const sensitivity = sensitivityAt(s.scan.cells, s.model.summary.layers, settings.target) ?? undefined;
        const outcome = await client.search({ ...toSearchRequest(settings, apiKey), sensitivity, resume }, {
          text: s.text.file, calibText: s.prune.calibFile ?? undefined, seqLen, evalWindows: maxWindows,
          calibWindows: s.prune.method.calibWindows,
        }, (e) => {
          if (get().search.status !== 'running') return;
          if (e.kind === 'started') {
            startedDone = resume?.history.length ?? 0;
            patch(() => ({ config: e.config, densePpl: e.densePpl, total: e.total, done: startedDone }));
          } else if (e.kind === 'evaluation') {
            const eta = etaSeconds((now() - started) / 1000, e.done - startedDone, e.total - startedDone);
            patch((p) => ({ points: [...p.points, toPoint(e.evaluation, e.id)], done: e.done, total: e.total, etaSeconds: eta }));
          } else if (e.kind === 'generation') {
            patch((p) => ({ summaries: [...p.summaries, e.summary], best: e.best }));
          } else if (e.kind === 'checkpoint') {
            saved(e.state);
          } else {
            patch((p) => ({ llmNotes: [...p.llmNotes, e.message].slice(-5) }));
          }
        });
        saved(outcome.state);
        patch(() => ({
          status: 'done', best: outcome.best, uniformPpl: outcome.uniformPpl, densePpl: outcome.densePpl,
          summaries: outcome.state.summaries, etaSeconds: 0, resumable: false,
          points: outcome.state.history.map(toPoint),
        }));
      } catch (e) {
        const error = toErrorInfo(e);
        const status = error.code === 'Cancelled' ? 'cancelled' : 'error';
        set((st) => ({
          search: { ...st.search, status, error: status === 'error' ? error : null, etaSeconds: null, resumable: checkpoint !== null && !checkpoint.done },
        }));
      }
    },

    async cancelSearch() {
      if (get().search.status !== 'running') return;
      try { await client.cancel(); } catch (e) { patch(() => ({ status: 'error', error: toErrorInfo(e) })); }
    },

    dismissSearchError() {
      patch((p) => (p.status === 'error' ? { status: 'idle', error: null } : {}));
    },

    getSearchCheckpoint: () => checkpoint,
    watchSearchCheckpoints(listener) {
      watchers.add(listener);
      return () => { watchers.delete(listener); };
    },

    restoreSearchCheckpoint(state) {
      if (get().search.status === 'running') return;
      checkpoint = state;
      const best = state.history.length > 0 ? bestOf(state) : null;
      patch(() => ({
        status: 'cancelled', error: null, etaSeconds: null, config: state.config, summaries: state.summaries,
        best: best ? { rates: best.rates, ppl: best.fitness } : null, uniformPpl: null,
        points: state.history.map(toPoint),
        done: state.history.length, total: plannedEvaluations(state.config), resumable: !state.done,
      }));
    },
  };
}
