// The perplexity panel's slice: its settings (sequence length, windows) and the evaluation of the loaded model on
// the evaluation text, with progress in windows and an ETA.
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import type { WorkerErrorInfo } from '../worker/api.ts';
import { etaSeconds } from './eta.ts';
import { createJob, needsModel, needsText, refuseIf, type JobDeps, type JobStatus } from './job-slice.ts';
import { DEFAULT_SETTINGS, settingsProblem, type PerplexitySettings } from './run-settings.ts';

export interface PerplexitySlice {
  settings: PerplexitySettings;
  status: JobStatus;
  done: number;
  total: number;
  etaSeconds: number | null;
  report: PerplexityReport | null;
  error: WorkerErrorInfo | null;
}

export interface PerplexityActions {
  setSettings(patch: Partial<PerplexitySettings>): void;
  runPerplexity(): Promise<void>;
  cancelPerplexity(): Promise<void>;
  dismissPerplexityError(): void;
}

export const idlePpl = (settings: PerplexitySettings = DEFAULT_SETTINGS): PerplexitySlice =>
  ({ settings, status: 'idle', done: 0, total: 0, etaSeconds: null, report: null, error: null });

export function perplexityActions(deps: JobDeps): PerplexityActions {
  const job = createJob(deps, 'ppl', { refusedFrom: (p) => idlePpl(p.settings), ended: () => ({ etaSeconds: null }) });
  const run = job.action((s) => {
    const summary = needsModel(s);
    const file = needsText(s);
    refuseIf(settingsProblem(s.ppl.settings, summary.maxPositions));
    const { seqLen, maxWindows } = s.ppl.settings;
    return {
      start: (p) => idlePpl(p.settings),
      work: (r) => deps.client.perplexity(file, { seqLen, maxWindows: maxWindows > 0 ? maxWindows : undefined },
        (done, total) => r.patch(() => ({ done, total, etaSeconds: etaSeconds(r.seconds(), done, total) }))),
      done: (_, report) => ({ report, done: report.windows, total: report.windows, etaSeconds: 0 }),
    };
  });

  return {
    setSettings(patch) { job.patch((p) => ({ settings: { ...p.settings, ...patch } })); },
    async runPerplexity() { await run(); },
    cancelPerplexity: job.cancel,
    dismissPerplexityError: job.dismissError,
  };
}
