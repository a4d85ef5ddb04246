// The Generate panel's slice: its prompt and steps, and one greedy generation from the loaded model with
// progress in positions and an ETA over the decoding steps.
import type { GenerationResult, WorkerErrorInfo } from '../worker/api.ts';
import { etaSeconds } from './eta.ts';
import { DEFAULT_GENERATE_SETTINGS, generateSettingsProblem, type GenerateSettings } from './generate-settings.ts';
import { createJob, needsModel, refuseIf, type JobDeps, type JobStatus } from './job-slice.ts';

export interface GenerationSlice {
  settings: GenerateSettings;
  status: JobStatus;
  /** Positions filled so far, of `total` (BOS and prompt included, like `steps`). */
  done: number;
  total: number;
  etaSeconds: number | null;
  /** The prompt the shown result continues (the settings may have been edited since). */
  prompt: string;
  result: GenerationResult | null;
  error: WorkerErrorInfo | null;
}

export interface GenerationActions {
  setGenerateSettings(patch: Partial<GenerateSettings>): void;
  runGeneration(): Promise<void>;
  cancelGeneration(): Promise<void>;
  dismissGenerateError(): void;
}

export const idleGen = (settings: GenerateSettings = DEFAULT_GENERATE_SETTINGS): GenerationSlice =>
  ({ settings, status: 'idle', done: 0, total: 0, etaSeconds: null, prompt: '', result: null, error: null });

export function generationActions(deps: JobDeps): GenerationActions {
  const job = createJob(deps, 'gen', { refusedFrom: (g) => idleGen(g.settings), ended: () => ({ etaSeconds: null }) });
  const run = job.action((s) => {
    const summary = needsModel(s);
    refuseIf(generateSettingsProblem(s.gen.settings, summary.maxPositions));
    const { prompt, steps } = s.gen.settings;
    let first: number | null = null; // progress before the first report is prefill, not decoding
    return {
      start: (g) => ({ ...idleGen(g.settings), prompt, total: steps }),
      work: (r) => deps.client.generate(prompt, { steps }, (done, total) => {
        if (!r.live()) return;
        const from = (first ??= done);
        r.patch(() => ({ done, total, etaSeconds: etaSeconds(r.seconds(), done - from, total - from) }));
      }),
      done: (_, result) => ({ result, etaSeconds: 0 }),
    };
  });

  return {
    setGenerateSettings(patch) { job.patch((g) => ({ settings: { ...g.settings, ...patch } })); },
    async runGeneration() { await run(); },
    cancelGeneration: job.cancel,
    dismissGenerateError: job.dismissError,
  };
}
