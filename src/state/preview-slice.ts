// The dense-vs-pruned greedy preview: the Generate panel's prompt and steps, decoded greedily by the dense
// model and by the model pruned as the slider last pruned it (method, sparsity or applied vector). It runs
// on demand only: a slider step marks the shown pair as stale instead of regenerating.
import type { GenerationResult, WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import { generateSettingsProblem } from './generate-settings.ts';
import { methodLabel, methodProblem, toPruneRequest } from './prune-settings.ts';
import { isGpuBusy, type StudioState } from './studio-store.ts';

export interface PreviewSlice {
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
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

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

export function previewActions(set: Set, get: () => StudioState, client: StudioClient): PreviewActions {
  const patch = (fn: (p: PreviewSlice) => Partial<PreviewSlice>) => set((s) => ({ preview: { ...s.preview, ...fn(s.preview) } }));
  const fail = (code: string, message: string) => patch(() => ({ status: 'error', phase: null, error: { code, message } }));

  return {
    async runPreview() {
      const s = get();
      if (isGpuBusy(s)) return;
      if (s.gpu.status !== 'ready') return fail('WebGPUUnavailable', 'No GPU device is available in this browser.');
      if (s.model.status !== 'ready' || !s.model.summary) return fail('BadRequest', 'Load a model first.');
      if (!s.text.file) return fail('BadRequest', 'Choose an evaluation text file first (the pruned model is calibrated on it).');
      const settingsProblem = generateSettingsProblem(s.gen.settings, s.model.summary.maxPositions);
      if (settingsProblem) return fail('BadRequest', settingsProblem);
      const { seqLen, maxWindows } = s.ppl.settings;
      const problem = methodProblem(s.prune.method, maxWindows, s.prune.calibFile !== null);
      if (problem) return fail('BadRequest', problem);

      const { prompt, steps } = s.gen.settings;
      const { request, label, key } = sliderPruning(s);
      const job = { text: s.text.file, calibText: s.prune.calibFile ?? undefined, seqLen, evalWindows: maxWindows,
        calibWindows: s.prune.method.calibWindows };
      set(() => ({ preview: { ...idlePreview(), status: 'running', phase: 'dense', prompt, steps, prunedLabel: label, pruneKey: key } }));
      const progress = (done: number, total: number) => { if (get().preview.status === 'running') patch(() => ({ done, total })); };
      try {
        const dense = await client.generate(prompt, { steps }, progress);
        patch(() => ({ dense, phase: 'pruned', done: 0, total: 0 }));
        const pruned = await client.generate(prompt, { steps, prune: { request, job } }, progress);
        patch(() => ({ pruned, status: 'done', phase: null }));
      } catch (e) {
        const error = toErrorInfo(e);
        const status = error.code === 'Cancelled' ? 'cancelled' : 'error';
        patch(() => ({ status, phase: null, error: status === 'error' ? error : null }));
      }
    },

    async cancelPreview() {
      if (get().preview.status !== 'running') return;
      try { await client.cancel(); } catch (e) { patch(() => ({ status: 'error', error: toErrorInfo(e) })); }
    },

    dismissPreviewError() {
      patch((p) => (p.status === 'error' ? { status: 'idle', error: null } : {}));
    },
  };
}
