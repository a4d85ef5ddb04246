// The sensitivity scan's slice: cells streaming in from the worker, progress with an ETA, cancel (the cells
// already measured stay on screen) and resume (the missing cells only). Two grids: layers x levels ('layer':
// each layer pruned whole) and layers x modules x levels ('module': one linear map at a time). The fields at
// the top level are the shown view's grid; the other view's grid waits in `other` until the view flips back.
import type { ScanCell } from '../core/prune/sensitivity-scan.ts';
import type { ScanRecord } from './persistence.ts';
import type { WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import { etaSeconds } from './eta.ts';
import { DEFAULT_SCAN, methodProblem, parseLevels, type ScanSettings } from './prune-settings.ts';
import type { StudioState } from './studio-store.ts';

export type ScanBy = 'layer' | 'module';

/** One view's grid as measured. */
export interface ScanGrid {
  by: ScanBy;
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
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

/** Modules per layer in a 'module' scan (q, k, v, o, gate, up, down). */
export const SCAN_MODULES = 7;

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

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

export function scanActions(set: Set, get: () => StudioState, client: StudioClient, now: () => number): ScanActions {
  const patch = (fn: (p: ScanSlice) => Partial<ScanSlice>) => set((s) => ({ scan: { ...s.scan, ...fn(s.scan) } }));
  const fail = (code: string, message: string) =>
    set((s) => ({ scan: { ...idleScan(s.scan.settings, s.scan.by), other: s.scan.other, status: 'error', error: { code, message } } }));

  return {
    setScanSettings(p) { patch((s) => ({ settings: { ...s.settings, ...p } })); },

    setScanView(by) {
      const s = get().scan;
      if (s.by === by || s.status === 'running') return;
      const shown = s.other?.by === by ? s.other : idleGrid(by);
      patch(() => ({ ...shown, other: gridOf(s), error: null, etaSeconds: null }));
    },

    async runScan(opts = {}) {
      const s = get();
      if (s.ppl.status === 'running' || s.gen.status === 'running' || s.prune.status === 'running' || s.scan.status === 'running'
        || s.search.status === 'running') return;
      const resume = opts.resume === true && canResumeScan(s);
      if (s.gpu.status !== 'ready') return fail('WebGPUUnavailable', 'No GPU device is available in this browser.');
      if (s.model.status !== 'ready' || !s.model.summary) return fail('BadRequest', 'Load a model first.');
      if (!s.text.file) return fail('BadRequest', 'Choose an evaluation text file first.');
      const levels = resume ? s.scan.levels : parseLevels(s.scan.settings.levelsText);
      if (typeof levels === 'string') return fail('BadRequest', levels);
      const { windows } = s.scan.settings;
      if (!Number.isInteger(windows) || windows < 1) return fail('BadRequest', `scan windows must be a whole number of at least 1 (got ${windows})`);
      const { seqLen, maxWindows } = s.ppl.settings;
      const { method, calibFile } = s.prune;
      const problem = methodProblem(method, maxWindows, calibFile !== null);
      if (problem) return fail('BadRequest', problem);
      if (method.metric === 'sparsegpt') {
        return fail('BadRequest', 'the sensitivity scan supports Wanda and magnitude scores: pick one of them in the method panel');
      }

      const by = s.scan.by;
      const layers = s.model.summary.layers;
      const total = layers * levels.length * (by === 'module' ? SCAN_MODULES : 1);
      const kept = resume ? s.scan.cells : [];
      const started = now();
      set((st) => ({ scan: { ...idleScan(st.scan.settings, by), other: st.scan.other, status: 'running', layers, levels, total,
        cells: kept, done: kept.length, densePpl: resume ? st.scan.densePpl : null, protocol: protocolOf(st, levels) } }));
      try {
        const result = await client.scan({ metric: method.metric, levels, by, ...(resume ? { done: kept } : {}) }, {
          text: s.text.file, calibText: calibFile ?? undefined, seqLen, evalWindows: maxWindows,
          calibWindows: method.calibWindows, scanWindows: windows,
        }, (cell, done, doneTotal) => {
          if (get().scan.status !== 'running') return;
          // The ETA counts this run's cells only (a resumed run starts with the kept ones).
          const eta = etaSeconds((now() - started) / 1000, done - kept.length, doneTotal - kept.length);
          patch((p) => ({ cells: [...p.cells, cell], done, total: doneTotal, etaSeconds: eta }));
        });
        patch(() => ({ status: 'done', cells: result.cells, done: result.cells.length, densePpl: result.densePpl, etaSeconds: 0 }));
      } catch (e) {
        const error = toErrorInfo(e);
        const status = error.code === 'Cancelled' ? 'cancelled' : 'error';
        set((st) => ({
          scan: { ...st.scan, status, error: status === 'error' ? error : null, etaSeconds: null },
        }));
      }
    },

    async cancelScan() {
      if (get().scan.status !== 'running') return;
      try { await client.cancel(); } catch (e) { patch(() => ({ status: 'error', error: toErrorInfo(e) })); }
    },

    dismissScanError() {
      patch((p) => (p.status === 'error' ? { status: 'idle', error: null } : {}));
    },
  };
}
