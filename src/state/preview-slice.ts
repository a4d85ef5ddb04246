// The dense-vs-pruned greedy preview: the Generate panel's prompt and steps, decoded greedily by the dense
// model and by the model as the slider's shown run pruned it (named by its prune id: the worker re-applies it when
// another job changed the masks). It runs on demand only: a slider step marks the shown pair as stale.
import type { GenerationResult, WorkerErrorInfo } from '../worker/api.ts';
import { generateSettingsProblem } from './generate-settings.ts';
import { createJob, needsModel, needsText, refuse, refuseIf, type JobDeps, type JobStatus } from './job-slice.ts';
import { methodLabel, toPruneRequest } from './prune-settings.ts';
import type { StudioState } from './studio-store.ts';

export interface PreviewSlice {
  status: JobStatus;
  /** Which column is being decoded. */
  phase: 'dense' | 'pruned' | null;
  done: number;
  total: number;
  prompt: string;
  steps: number;
  dense: GenerationResult | null;
  pruned: GenerationResult | null;
  /** "Wanda · UNIFORM 50%": what the pruned column was made with. */
  prunedLabel: string;
  /** The pruning the pruned column was made with (compared with the slider's to say when it is stale). */
  pruneKey: string | null;
  error: WorkerErrorInfo | null;
}

export interface PreviewActions {
  runPreview(): Promise<void>;
  cancelPreview(): Promise<void>;
  dismissPreviewError(): void;
}

export const idlePreview = (): PreviewSlice => ({
  status: 'idle', phase: null, done: 0, total: 0, prompt: '', steps: 0, dense: null, pruned: null, prunedLabel: '', pruneKey: null, error: null,
});

/** The slider's current pruning as a request, its label and a key that changes whenever the pruning does. */
export function sliderPruning(s: StudioState) {
  const { method, sparsity, explicit, explicitOrigin } = s.prune;
  const request = toPruneRequest(method, sparsity, explicit ?? undefined);
  const label = `${methodLabel(method, explicit !== null && explicitOrigin)} ${+(sparsity * 100).toFixed(1)}%`;
  const key = JSON.stringify({ request, calibWindows: method.calibWindows, calib: s.prune.calibFile?.name ?? null,
    seqLen: s.ppl.settings.seqLen, windows: s.ppl.settings.maxWindows });
  return { request, label, key };
}

/** Index of the first token where the two generations differ (null when one is a prefix of the other and equally long). */
export function firstDivergence(a: number[], b: number[]): number | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? null : n;
}

export function previewActions(deps: JobDeps): PreviewActions {
  const { client } = deps;
  const job = createJob(deps, 'preview', { ended: () => ({ phase: null }) });

  const run = job.action((s) => {
    const summary = needsModel(s);
    needsText(s, 'Choose an evaluation text file first (the pruned model is calibrated on it).');
    refuseIf(generateSettingsProblem(s.gen.settings, summary.maxPositions));
    const outcome = s.prune.status === 'done' ? s.prune.outcome : null;
    if (!outcome) refuse('BadRequest', 'Prune the model first (move the sparsity slider and release it): the pruned column is the run the sparsity panel shows.');

    const { prompt, steps } = s.gen.settings;
    const { label, key } = sliderPruning(s);
    return {
      start: () => ({ ...idlePreview(), phase: 'dense', prompt, steps, prunedLabel: label, pruneKey: key }),
      work: async (r) => {
        const progress = (done: number, total: number) => r.patch(() => ({ done, total }));
        const dense = await client.generate(prompt, { steps }, progress);
        r.patch(() => ({ dense, phase: 'pruned', done: 0, total: 0 }));
        return client.generate(prompt, { steps, pruneId: outcome.pruneId }, progress);
      },
      done: (_, pruned) => ({ pruned, phase: null }),
    };
  });

  return {
    async runPreview() { await run(); },
    cancelPreview: job.cancel,
    dismissPreviewError: job.dismissError,
  };
}
