// The sensitivity scan's slice: layers x levels cells streaming in from the worker, progress with an ETA,
// cancel (the cells already measured stay on screen).
import type { ScanCell } from '../core/prune/sensitivity-scan.ts';
import type { WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import { etaSeconds } from './eta.ts';
import { DEFAULT_SCAN, methodProblem, parseLevels, type ScanSettings } from './prune-settings.ts';
import type { StudioState } from './studio-store.ts';

export interface ScanSlice {
  settings: ScanSettings;
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  /** The run's grid: layers x levels (levels ascending). */
  layers: number;
  levels: number[];
  cells: ScanCell[];
  done: number;
  total: number;
  etaSeconds: number | null;
  densePpl: number | null;
  error: WorkerErrorInfo | null;
}

export interface ScanActions {
  setScanSettings(patch: Partial<ScanSettings>): void;
  runScan(): Promise<void>;
  cancelScan(): Promise<void>;
  dismissScanError(): void;
}

export const idleScan = (settings: ScanSettings = DEFAULT_SCAN): ScanSlice => ({
  settings, status: 'idle', layers: 0, levels: [], cells: [], done: 0, total: 0, etaSeconds: null, densePpl: null, error: null,
});

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

export function scanActions(set: Set, get: () => StudioState, client: StudioClient, now: () => number): ScanActions {
  const patch = (fn: (p: ScanSlice) => Partial<ScanSlice>) => set((s) => ({ scan: { ...s.scan, ...fn(s.scan) } }));
  const fail = (code: string, message: string) =>
    set((s) => ({ scan: { ...idleScan(s.scan.settings), status: 'error', error: { code, message } } }));

  return {
    setScanSettings(p) { patch((s) => ({ settings: { ...s.settings, ...p } })); },

    async runScan() {
      const s = get();
      if (s.ppl.status === 'running' || s.gen.status === 'running' || s.prune.status === 'running' || s.scan.status === 'running'
        || s.search.status === 'running') return;
      if (s.gpu.status !== 'ready') return fail('WebGPUUnavailable', 'No GPU device is available in this browser.');
      if (s.model.status !== 'ready' || !s.model.summary) return fail('BadRequest', 'Load a model first.');
      if (!s.text.file) return fail('BadRequest', 'Choose an evaluation text file first.');
      const levels = parseLevels(s.scan.settings.levelsText);
      if (typeof levels === 'string') return fail('BadRequest', levels);
      const { windows } = s.scan.settings;
      if (!Number.isInteger(windows) || windows < 1) return fail('BadRequest', `scan windows must be a whole number of at least 1 (got ${windows})`);
      const { seqLen, maxWindows } = s.ppl.settings;
      const { method, calibFile } = s.prune;
      const problem = methodProblem(method, maxWindows, calibFile !== null);
      if (problem) return fail('BadRequest', problem);

      const layers = s.model.summary.layers;
      const started = now();
      set((st) => ({ scan: { ...idleScan(st.scan.settings), status: 'running', layers, levels, total: layers * levels.length } }));
      try {
        const result = await client.scan({ metric: method.metric, levels }, {
          text: s.text.file, calibText: calibFile ?? undefined, seqLen, evalWindows: maxWindows,
          calibWindows: method.calibWindows, scanWindows: windows,
        }, (cell, done, total) => {
          if (get().scan.status !== 'running') return;
          const eta = etaSeconds((now() - started) / 1000, done, total);
          patch((p) => ({ cells: [...p.cells, cell], done, total, etaSeconds: eta }));
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
