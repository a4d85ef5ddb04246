// The Self-Pruner search's slice: settings, the optimizer LLM's key (memory only: never persisted, never in a
// URL), every evaluated individual for the scatter, best and mean per generation, progress with an ETA, cancel,
// and resuming a cancelled run from its last checkpoint.
import type { Evaluation, GenerationSummary, OperatorName, SearchConfig, SearchState } from '../core/search/search-types.ts';
import { bestOf, plannedEvaluations } from '../core/search/search.ts';
import type { WorkerErrorInfo } from '../worker/api.ts';
import type { ParameterCount } from '../core/prune/allocation-counts.ts';
import { sensitivityAt } from '../core/search/model-description.ts';
import { etaSeconds } from './eta.ts';
import { createJob, needsModel, needsText, refuseIf, type JobDeps, type JobStatus } from './job-slice.ts';
import { objectiveTasksOf, type FitnessKind } from '../core/search/fitness-objective.ts';
import type { TaskName } from '../core/zeroshot/task-definition.ts';
import { zeroShotProblem, zeroShotTaskFiles } from './zero-shot-slice.ts';
import type { StudioState } from './studio-store.ts';
import { methodProblem } from './prune-settings.ts';
import { DEFAULT_SEARCH, followedSettings, searchSettingsProblem, toSearchRequest, type SearchSettings } from './search-settings.ts';
import type { MethodSettings } from './prune-settings.ts';

/** One evaluated individual as the scatter draws it. */
export interface SearchPoint { id: number; generation: number; fitness: number; operator: OperatorName; cached: boolean; rates: number[] }

const toPoint = (e: Evaluation, id: number): SearchPoint =>
  ({ id, generation: e.generation, fitness: e.fitness, operator: e.operator, cached: e.cached, rates: e.rates });

export interface SearchSlice {
  /** As last edited; what is shown and run is shownSearchSettings (the method panel's while following it). */
  settings: SearchSettings;
  /** The method and target follow the method panel until the user edits either (the panel's button re-attaches). */
  followsMethodPanel: boolean;
  /** The pruning method of the run shown (the settings may have been edited since). */
  ranMethod: SearchSettings['method'] | null;
  /** What best.fitness, uniformFitness and the points measure for the run shown: perplexity, or the zero-shot error. */
  ranFitness: FitnessKind;
  /** The task files (name, SHA-256) a restored zero-shot-fitness run was made with: the ones to pick to resume it. */
  fitnessTasks: Array<{ name: string; sha256: string }> | null;
  apiKey: string;
  status: JobStatus;
  config: SearchConfig | null;
  points: SearchPoint[];
  summaries: GenerationSummary[];
  best: { rates: number[]; fitness: number } | null;
  /** The uniform baseline's fitness (at the best vector's count). */
  uniformFitness: number | null;
  /** Parameters the best vector and the uniform baseline remove (the baseline is taken at the best's count). */
  counts: { best: ParameterCount; uniform: ParameterCount; uniformRate: number } | null;
  densePpl: number | null;
  /** The dense model's zero-shot error when the run's fitness was zero-shot. */
  denseFitness: number | null;
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
  /** Edits the settings; editing the method or the target stops following the method panel. */
  setSearchSettings(patch: Partial<SearchSettings>): void;
  /** The method and target follow the method panel again. */
  followMethodPanel(): void;
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

export const idleSearch = (settings: SearchSettings = DEFAULT_SEARCH, apiKey = '', followsMethodPanel = true): SearchSlice => ({
  settings, followsMethodPanel, ranMethod: null, ranFitness: 'ppl', fitnessTasks: null, apiKey, status: 'idle', config: null, points: [], summaries: [], best: null, uniformFitness: null, counts: null, densePpl: null, denseFitness: null,
  done: 0, total: 0, etaSeconds: null, llmNotes: [], resumable: false, error: null,
});

/** The settings the search panel shows and a run uses. */
export const shownSearchSettings = (s: { search: SearchSlice; prune: { method: MethodSettings; sparsity: number } }): SearchSettings =>
  followedSettings(s.search.settings, s.search.followsMethodPanel, s.prune.method, s.prune.sparsity);

/** With the zero-shot fitness, the task files the run must use that are not picked in the Zero-shot panel (or are
 * other files), by name and SHA-256: those of a restored run, else those a link named; null when none is missing.
 * A file still being read is left to zeroShotProblem. */
export function missingFitnessFiles(s: Pick<StudioState, 'search' | 'share' | 'zeroShot' | 'prune'>, resuming = s.search.resumable): string | null {
  if (shownSearchSettings(s).fitness !== 'zeroshot') return null;
  const expected = (resuming ? s.search.fitnessTasks : null)
    ?? (s.share.link?.zeroShot?.tasks ?? []).flatMap((t) => (t.hash && s.zeroShot.settings.tasks.includes(t.name) ? [{ name: t.name, sha256: t.hash }] : []));
  const wrong = expected.filter((t) => {
    const f = s.zeroShot.files[t.name as TaskName];
    return !f || (f.sha256 !== null && f.sha256 !== t.sha256);
  });
  if (wrong.length === 0) return null;
  return `The zero-shot fitness needs these task files, picked in the Zero-shot panel: ${wrong.map((t) => `${t.name} (SHA-256 ${t.sha256.slice(0, 12)}…)`).join(', ')}.`;
}

export function searchActions(deps: JobDeps): SearchActions {
  const { get, client } = deps;
  // The last checkpoint stays out of the reactive state (it grows with every evaluation).
  let checkpoint: SearchState | null = null;
  const watchers = new Set<(state: SearchState) => void>();
  const saved = (state: SearchState) => { checkpoint = state; for (const w of watchers) w(state); };
  const job = createJob(deps, 'search', {
    ended: () => ({ etaSeconds: null, resumable: checkpoint !== null && !checkpoint.done }),
  });

  const run = job.action((s, opts: { resume?: boolean } = {}) => {
    const summary = needsModel(s);
    const text = needsText(s);
    const { apiKey } = s.search;
    const settings = shownSearchSettings(s);
    const zeroShotFitness = settings.fitness === 'zeroshot';
    // The zero-shot fitness scores the Zero-shot panel's tasks: its files must be picked and checked.
    const zsProblem = zeroShotFitness ? zeroShotProblem(s) : null;
    refuseIf(searchSettingsProblem(settings, summary.heads, summary.kvHeads)
      ?? methodProblem(s.prune.method, s.ppl.settings.maxWindows, s.prune.calibFile !== null)
      ?? missingFitnessFiles(s, !!(opts.resume && checkpoint))
      ?? (zsProblem && `The zero-shot fitness uses the Zero-shot panel's tasks: ${zsProblem}`));
    const { limit } = s.zeroShot.settings;
    const zeroShot = zeroShotFitness ? { tasks: zeroShotTaskFiles(s.zeroShot), ...(limit !== null ? { limit } : {}) } : undefined;
    const resume = opts.resume && checkpoint ? checkpoint : undefined;
    let startedDone = 0;
    const { seqLen, maxWindows } = s.ppl.settings;
    return {
      start: (p) => (resume ? { ...p, etaSeconds: null, resumable: false, ranFitness: settings.fitness ?? 'ppl' }
        : { ...idleSearch(p.settings, p.apiKey, p.followsMethodPanel), ranMethod: settings.method, ranFitness: settings.fitness ?? 'ppl' }),
      work: async (r) => {
        // A finished (or partial but complete at one level) layer scan shapes one individual and informs the LLM.
        const sensitivity = sensitivityAt(s.scan.cells, summary.layers, settings.target) ?? undefined;
        const outcome = await client.search({ ...toSearchRequest(settings, apiKey, zeroShot), sensitivity, resume }, {
          text, calibText: s.prune.calibFile ?? undefined, seqLen, evalWindows: maxWindows,
          calibWindows: s.prune.method.calibWindows,
        }, (e) => {
          if (!r.live()) return;
          if (e.kind === 'started') {
            startedDone = resume?.history.length ?? 0;
            r.patch(() => ({ config: e.config, densePpl: e.densePpl, total: e.total, done: startedDone }));
          } else if (e.kind === 'evaluation') {
            const eta = etaSeconds(r.seconds(), e.done - startedDone, e.total - startedDone);
            r.patch((p) => ({ points: [...p.points, toPoint(e.evaluation, e.id)], done: e.done, total: e.total, etaSeconds: eta }));
          } else if (e.kind === 'generation') {
            r.patch((p) => ({ summaries: [...p.summaries, e.summary], best: e.best }));
          } else if (e.kind === 'checkpoint') {
            saved(e.state);
          } else {
            r.patch((p) => ({ llmNotes: [...p.llmNotes, e.message].slice(-5) }));
          }
        });
        saved(outcome.state);
        return outcome;
      },
      done: (_, outcome) => ({
        best: outcome.best, uniformFitness: outcome.uniform.fitness, densePpl: outcome.densePpl, ranFitness: outcome.fitness, denseFitness: outcome.denseFitness ?? null,
        counts: { best: outcome.best.count, uniform: outcome.uniform.count, uniformRate: outcome.uniform.rates[0] },
        summaries: outcome.state.summaries, etaSeconds: 0, resumable: false,
        points: outcome.state.history.map(toPoint),
      }),
    };
  });

  return {
    setSearchSettings(p) {
      const shown = shownSearchSettings(get());
      // The first edit of the method or target keeps what was shown and stops following the method panel.
      job.patch((s) => (s.followsMethodPanel && ('method' in p || 'target' in p)
        ? { settings: { ...shown, ...p }, followsMethodPanel: false } : { settings: { ...s.settings, ...p } }));
    },
    followMethodPanel() { job.patch(() => ({ followsMethodPanel: true })); },
    setLlmKey(apiKey) { job.patch(() => ({ apiKey })); },
    async runSearch(opts) { await run(opts); },
    cancelSearch: job.cancel,
    dismissSearchError: job.dismissError,

    getSearchCheckpoint: () => checkpoint,
    watchSearchCheckpoints(listener) {
      watchers.add(listener);
      return () => { watchers.delete(listener); };
    },

    restoreSearchCheckpoint(state) {
      if (get().search.status === 'running') return;
      checkpoint = state;
      const best = state.history.length > 0 ? bestOf(state) : null;
      job.patch(() => ({
        status: 'cancelled', error: null, etaSeconds: null, config: state.config, summaries: state.summaries,
        ranFitness: state.protocol?.fitness ? 'zeroshot' : 'ppl',
        fitnessTasks: objectiveTasksOf(state.protocol?.fitness)?.map(({ name, sha256 }) => ({ name, sha256 })) ?? null,
        best: best ? { rates: best.rates, fitness: best.fitness } : null, uniformFitness: null, counts: null,
        points: state.history.map(toPoint),
        done: state.history.length, total: plannedEvaluations(state.config), resumable: !state.done,
      }));
    },
  };
}
