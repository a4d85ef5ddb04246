// The sensitivity scan's slice: cells streaming in from the worker, progress with an ETA, cancel (the cells
// already measured stay on screen) and resume (the missing cells only). Two grids: layers x levels ('layer':
// each layer pruned whole) and layers x modules x levels ('module': one linear map at a time). The fields at
// the top level are the shown view's grid; the other view's grid waits in `other` until the view flips back.
import type { ScanCell } from '../core/prune/sensitivity-scan.ts';
import type { ScanRecord } from './persistence.ts';
import type { ModelSummary, WorkerErrorInfo } from '../worker/api.ts';
import { MODULES } from '../core/prune/linear-maps.ts';
import { etaSeconds } from './eta.ts';
import { createJob, needsModel, needsText, refuse, refuseIf, type JobDeps, type JobStatus } from './job-slice.ts';
import { DEFAULT_SCAN, methodProblem, parseLevels, type ScanSettings } from './prune-settings.ts';
import type { StudioState } from './studio-store.ts';

export type ScanBy = 'layer' | 'module';

/** One view's grid as measured. */
export interface ScanGrid {
  by: ScanBy;
  status: JobStatus;
  /** The run's grid: layers x levels (levels ascending), per module when by = 'module'. */
  layers: number;
  levels: number[];
  cells: ScanCell[];
  done: number;
  total: number;
  densePpl: number | null;
  /** What the cells were measured under (metric, windows, calibration): a resume must match it. */
  protocol: string | null;
}

export interface ScanSlice extends ScanGrid {
  settings: ScanSettings;
  etaSeconds: number | null;
  error: WorkerErrorInfo | null;
  /** The grid of the view not shown (kept while the other one is looked at). */
  other: ScanGrid | null;
}

export interface ScanActions {
  setScanSettings(patch: Partial<ScanSettings>): void;
  /** Shows the layers x levels or the layers x modules grid (not while a scan runs). */
  setScanView(by: ScanBy): void;
  /** Scans the shown view's grid; `resume` measures only the cells a cancelled run of the same protocol lacks. */
  runScan(opts?: { resume?: boolean }): Promise<void>;
  cancelScan(): Promise<void>;
  dismissScanError(): void;
}

const idleGrid = (by: ScanBy): ScanGrid =>
  ({ by, status: 'idle', layers: 0, levels: [], cells: [], done: 0, total: 0, densePpl: null, protocol: null });

export const idleScan = (settings: ScanSettings = DEFAULT_SCAN, by: ScanBy = 'layer'): ScanSlice => ({
  ...idleGrid(by), settings, etaSeconds: null, error: null, other: null,
});

const gridOf = (s: ScanSlice): ScanGrid => ({
  by: s.by, status: s.status === 'error' ? 'idle' : s.status, layers: s.layers, levels: s.levels, cells: s.cells, done: s.done,
  total: s.total, densePpl: s.densePpl, protocol: s.protocol,
});

/** Modules per layer in a 'module' scan: the model's linear maps (q, k, v, o, gate, up, down; no gate in an
 * ungated MLP). */
export const scanModules = (summary: Pick<ModelSummary, 'modules'> | null | undefined): string[] => summary?.modules ?? [...MODULES];

/** Everything a cell's value depends on besides its own layer / module / level. */
function protocolOf(s: StudioState, levels: number[]): string {
  const { method, calibFile } = s.prune;
  return JSON.stringify({ metric: method.metric, levels, windows: s.scan.settings.windows, seqLen: s.ppl.settings.seqLen,
    evalWindows: s.ppl.settings.maxWindows, calibWindows: method.calibWindows, calib: calibFile ? [calibFile.name, calibFile.size] : null,
    text: s.text.file ? [s.text.name, s.text.bytes] : null, model: s.model.summary?.fingerprint ?? null });
}

/** Whether the shown grid is a cancelled run that `runScan({ resume: true })` can finish. */
export function canResumeScan(s: StudioState): boolean {
  const sc = s.scan;
  if (sc.status !== 'cancelled' || sc.cells.length === 0 || sc.cells.length >= sc.total) return false;
  return sc.protocol === protocolOf(s, sc.levels);
}

/** The slice showing a saved scan (its view becomes the shown one; the grid shown before waits in `other`). */
export function scanFromRecord(current: ScanSlice, r: ScanRecord): ScanSlice {
  const by: ScanBy = r.by === 'module' ? 'module' : 'layer';
  const grid: ScanGrid = { by, status: r.complete ? 'done' : 'cancelled', layers: r.layers, levels: r.levels, cells: r.cells,
    done: r.cells.length, total: r.total, densePpl: r.densePpl, protocol: r.protocol ?? null };
  const other = current.by === by ? current.other : gridOf(current);
  return { ...current, ...grid, other, error: null, etaSeconds: null };
}

export function scanActions(deps: JobDeps): ScanActions {
  const { get, client } = deps;
  const job = createJob(deps, 'scan', {
    refusedFrom: (sc) => ({ ...idleScan(sc.settings, sc.by), other: sc.other }), ended: () => ({ etaSeconds: null }),
  });

  const run = job.action((s, opts: { resume?: boolean } = {}) => {
    const resume = opts.resume === true && canResumeScan(s);
    const summary = needsModel(s), { layers } = summary;
    const text = needsText(s);
    const levels = resume ? s.scan.levels : parseLevels(s.scan.settings.levelsText);
    if (typeof levels === 'string') refuse('BadRequest', levels);
    const { windows } = s.scan.settings;
    if (!Number.isInteger(windows) || windows < 1) refuse('BadRequest', `scan windows must be a whole number of at least 1 (got ${windows})`);
    const { seqLen, maxWindows } = s.ppl.settings;
    const { method, calibFile } = s.prune;
    refuseIf(methodProblem(method, maxWindows, calibFile !== null));
    if (method.metric === 'sparsegpt') {
      refuse('BadRequest', 'the sensitivity scan supports Wanda and magnitude scores: pick one of them in the method panel');
    }

    const by = s.scan.by;
    const total = layers * levels.length * (by === 'module' ? scanModules(summary).length : 1);
    const kept = resume ? s.scan.cells : [];
    return {
      start: (sc, st) => ({ ...idleScan(sc.settings, by), other: sc.other, layers, levels, total,
        cells: kept, done: kept.length, densePpl: resume ? sc.densePpl : null, protocol: protocolOf(st, levels) }),
      work: (r) => client.scan({ metric: method.metric, levels, by, ...(resume ? { done: kept } : {}) }, {
        text, calibText: calibFile ?? undefined, seqLen, evalWindows: maxWindows,
        calibWindows: method.calibWindows, scanWindows: windows,
      }, (cell, done, doneTotal) => r.patch((p) => ({
        // The ETA counts this run's cells only (a resumed run starts with the kept ones).
        cells: [...p.cells, cell], done, total: doneTotal, etaSeconds: etaSeconds(r.seconds(), done - kept.length, doneTotal - kept.length),
      }))),
      done: (_, result) => ({ cells: result.cells, done: result.cells.length, densePpl: result.densePpl, etaSeconds: 0 }),
    };
  });

  return {
    setScanSettings(p) { job.patch((s) => ({ settings: { ...s.settings, ...p } })); },

    setScanView(by) {
      const s = get().scan;
      if (s.by === by || s.status === 'running') return;
      const shown = s.other?.by === by ? s.other : idleGrid(by);
      job.patch(() => ({ ...shown, other: gridOf(s), error: null, etaSeconds: null }));
    },

    async runScan(opts) { await run(opts); },
    cancelScan: job.cancel,
    dismissScanError: job.dismissError,
  };
}
