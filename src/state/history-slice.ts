// Saved work of the loaded model (IndexedDB, through persist-sync.ts): the run history (newest first, two runs
// can be compared), and after a reload the restore offer: the last scan heatmap, the perplexity-vs-sparsity
// curve with the last shown result, and an unfinished search to resume from its checkpoint.
import type { PruneOutcome } from '../worker/api.ts';
import { scanFromRecord, type ScanBy } from './scan-slice.ts';
import { isResumable, type RunRecord, type SavedWork, type ScanRecord, type SearchRecord } from './persistence.ts';
import { achievedOf, type CurvePoint } from './prune-slice.ts';
import { isGpuBusy, type StudioState } from './studio-store.ts';
import { zeroShotOfCheckpoint } from './zero-shot-link.ts';

/** What the restore notice offers; each part goes once used. */
export interface RestoreOffer { scan: ScanRecord | null; runs: RunRecord[] | null; search: SearchRecord | null; moduleScan?: ScanRecord | null }

const anything = (o: RestoreOffer) => !!(o.scan || o.runs || o.search || o.moduleScan);

export interface HistorySlice {
  /** The model the saved work belongs to (the loaded one). */
  fingerprint: string | null;
  /** This model's runs, newest first. */
  runs: RunRecord[];
  offer: RestoreOffer | null;
  /** The result the slider panel shows because it was restored (not a new run to save). */
  restoredOutcome: PruneOutcome | null;
  /** Ids of the runs picked for comparison (at most two, oldest pick first). */
  compare: string[];
  /** Why saving or loading failed (e.g. IndexedDB unavailable in a private window). */
  error: string | null;
}

export interface HistoryActions {
  historyReset(fingerprint: string | null): void;
  savedWorkLoaded(fingerprint: string, work: SavedWork): void;
  runsSaved(fingerprint: string, runs: RunRecord[]): void;
  historyFailed(message: string): void;
  /** Shows the saved layers x levels scan (or, by = 'module', the layers x modules one). */
  restoreScan(by?: ScanBy): void;
  /** The curve points of the newest run's protocol, and that run as the slider's shown result. */
  restoreRuns(): void;
  /** Applies the saved search's settings and continues it from its checkpoint. */
  resumeSavedSearch(): Promise<void>;
  dismissRestore(): void;
  toggleCompare(id: string): void;
}

export const idleHistory = (fingerprint: string | null = null): HistorySlice => ({
  fingerprint, runs: [], offer: null, restoredOutcome: null, compare: [], error: null,
});

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

/** The curve of `runs` (any order): per method label, the dense point and every sparsity; the newest wins a tie. */
export function curveOf(runs: RunRecord[]): CurvePoint[] {
  const points = new Map<string, CurvePoint>();
  for (const r of [...runs].sort((a, b) => a.savedAt - b.savedAt)) {
    points.set(`${r.label}@0`, { method: r.label, sparsity: 0, ppl: r.outcome.densePpl });
    const achieved = achievedOf(r.outcome);
    points.set(`${r.label}@${achieved}`, { method: r.label, sparsity: achieved, ppl: r.outcome.ppl });
  }
  return [...points.values()].sort((a, b) => a.sparsity - b.sparsity);
}

export function historyActions(set: Set, get: () => StudioState): HistoryActions {
  const patch = (fn: (h: HistorySlice) => Partial<HistorySlice>) => set((s) => ({ history: { ...s.history, ...fn(s.history) } }));
  /** Drops one part of the offer (the whole offer when nothing is left). */
  const used = (part: keyof RestoreOffer) => patch((h) => {
    if (!h.offer) return {};
    const offer = { ...h.offer, [part]: null };
    return { offer: anything(offer) ? offer : null };
  });

  return {
    historyReset(fingerprint) { set(() => ({ history: idleHistory(fingerprint) })); },

    savedWorkLoaded(fingerprint, work) {
      if (get().history.fingerprint !== fingerprint) return;
      const offer: RestoreOffer = {
        scan: work.scan && work.scan.cells.length > 0 ? work.scan : null,
        runs: work.runs.length > 0 ? work.runs : null,
        search: isResumable(work.search) ? work.search : null,
        moduleScan: work.moduleScan && work.moduleScan.cells.length > 0 ? work.moduleScan : null,
      };
      patch((h) => ({
        runs: mergeRuns(h.runs, work.runs),
        offer: anything(offer) ? offer : null,
      }));
    },

    runsSaved(fingerprint, runs) {
      if (get().history.fingerprint !== fingerprint) return;
      patch((h) => ({ runs: mergeRuns(runs, h.runs) }));
    },

    historyFailed(message) { patch(() => ({ error: message })); },

    restoreScan(by = 'layer') {
      const s = get();
      const part = by === 'module' ? 'moduleScan' : 'scan';
      const scan = s.history.offer?.[part];
      if (!scan || s.scan.status === 'running') return;
      set((st) => ({ scan: scanFromRecord(st.scan, scan) }));
      used(part);
    },

    restoreRuns() {
      const s = get();
      const runs = s.history.offer?.runs;
      if (!runs || runs.length === 0 || s.prune.status === 'running') return;
      const newest = runs.reduce((a, b) => (b.savedAt > a.savedAt ? b : a));
      const same = runs.filter((r) => r.protocol === newest.protocol);
      set((st) => ({
        prune: {
          ...st.prune, status: 'done', error: null, progress: null, outcome: newest.outcome, sparsity: newest.outcome.request.sparsity,
          points: curveOf(same), pointsProtocol: newest.protocol,
        },
        history: { ...st.history, restoredOutcome: newest.outcome },
      }));
      used('runs');
    },

    async resumeSavedSearch() {
      const s = get();
      const saved = s.history.offer?.search;
      if (!saved || isGpuBusy(s)) return;
      set((st) => ({
        ppl: { ...st.ppl, settings: { ...saved.ppl } },
        prune: { ...st.prune, method: { ...st.prune.method, calibWindows: saved.calibWindows } },
        search: { ...st.search, settings: { ...saved.settings }, followsMethodPanel: false },
        // A zero-shot-fitness run continues on the same tasks and limit: the Zero-shot panel asks for their files.
        zeroShot: zeroShotOfCheckpoint(st.zeroShot, saved.state),
      }));
      used('search');
      get().restoreSearchCheckpoint(saved.state);
      await get().runSearch({ resume: true });
    },

    dismissRestore() { patch(() => ({ offer: null })); },

    toggleCompare(id) {
      patch((h) => ({ compare: h.compare.includes(id) ? h.compare.filter((c) => c !== id) : [...h.compare, id].slice(-2) }));
    },
  };
}

/** `first` then the runs of `rest` it does not have (by id), newest first. */
function mergeRuns(first: RunRecord[], rest: RunRecord[]): RunRecord[] {
  const ids = new Set(first.map((r) => r.id));
  return [...first, ...rest.filter((r) => !ids.has(r.id))].sort((a, b) => b.savedAt - a.savedAt);
}
