// What the studio keeps in IndexedDB, per model fingerprint: the slider's runs (newest first, for the
// perplexity-vs-sparsity curve, the last shown result and the run history), the latest sensitivity scan and the
// latest search checkpoint (to resume after a reload). Records are built here from explicit fields, so the
// optimizer LLM's API key (which lives beside the search settings in the store) is never written.
// Framework-free: idb-keyval over whatever `indexedDB` the runtime has (fake-indexeddb in Node tests).
import { createStore, del, get, set, update, type UseStore } from 'idb-keyval';
import type { ScanCell } from '../core/prune/sensitivity-scan.ts';
import type { SearchState } from '../core/search/search-types.ts';
import type { ZeroShotSummary } from '../core/zeroshot/zero-shot-summary.ts';
import type { PruneOutcome, ZeroShotJobOutcome } from '../worker/api.ts';
import type { MethodSettings } from './prune-settings.ts';
import type { PerplexitySettings } from './run-settings.ts';
import type { SearchSettings } from './search-settings.ts';
import type { RunSearchProvenance } from './search-provenance.ts';

/** Bumped when a record's shape changes; records of another version are ignored on load. */
export const RECORD_VERSION = 1;
/** Runs kept per model (the oldest go first). */
export const MAX_RUNS = 100;

export interface RunRecord {
  version: typeof RECORD_VERSION;
  /** Same protocol + method + sparsity = same run (a repeat replaces the older record). */
  id: string;
  fingerprint: string;
  savedAt: number;
  /** The method as the curve names it, e.g. "Wanda · UNIFORM". */
  label: string;
  /** Model / text / windows / calibration: the curve only joins points of one protocol. */
  protocol: string;
  outcome: PruneOutcome;
  /** The Zero-shot panel's result on this run, and the dense one beside it (absent until measured; optional, so
   * records saved before it stay version 1). */
  zeroShot?: { dense: ZeroShotSummary; pruned: ZeroShotSummary };
  /** For a run made from the search's best vector: the search's fitness (perplexity or the zero-shot error on its
   * tasks) and values. Optional like zeroShot: records without it (older ones, other runs) stay version 1. */
  search?: RunSearchProvenance;
}

export interface ScanRecord {
  version: typeof RECORD_VERSION;
  fingerprint: string;
  savedAt: number;
  metric: MethodSettings['metric'];
  layers: number;
  levels: number[];
  cells: ScanCell[];
  /** Cells the run was asked for (more than `cells` when it was cancelled or interrupted). */
  total: number;
  densePpl: number | null;
  complete: boolean;
  seqLen: number;
  windows: number;
  textName: string | null;
  /** 'module': layers x modules x levels; absent in layers x levels records (and those saved before modules). */
  by?: 'layer' | 'module';
  /** The scan slice's protocol key: a restored, unfinished scan resumes only under the same one. */
  protocol?: string | null;
}

export interface SearchRecord {
  version: typeof RECORD_VERSION;
  fingerprint: string;
  savedAt: number;
  /** The settings the run was started with (no API key: it is not a setting). */
  settings: SearchSettings;
  ppl: PerplexitySettings;
  calibWindows: number;
  textName: string | null;
  calibName: string | null;
  densePpl: number | null;
  /** The last checkpoint: resuming from it ends exactly where an uninterrupted run ends. */
  state: SearchState;
}

/** `scan` is the latest layers x levels scan, `moduleScan` the latest layers x modules one. */
export interface SavedWork { runs: RunRecord[]; scan: ScanRecord | null; search: SearchRecord | null; moduleScan?: ScanRecord | null }

export interface Persistence {
  load(fingerprint: string): Promise<SavedWork>;
  /** Adds (or replaces) a run; resolves to the model's runs, newest first. */
  addRun(run: RunRecord): Promise<RunRecord[]>;
  saveScan(scan: ScanRecord): Promise<void>;
  saveSearch(search: SearchRecord): Promise<void>;
  /** Drops everything saved for a model. */
  forget(fingerprint: string): Promise<void>;
}

const key = (kind: 'runs' | 'scan' | 'scan-module' | 'search', fingerprint: string) => `${kind}:${fingerprint}`;
const current = <T extends { version: number }>(r: T | undefined | null): T | null => (r && r.version === RECORD_VERSION ? r : null);

/** IndexedDB through idb-keyval: one object store, three keys per model. */
export function idbPersistence(dbName = 'prunelab', storeName = 'saved-work'): Persistence {
  let store: UseStore | null = null;
  const db = () => (store ??= createStore(dbName, storeName)); // opened on first use, not at import
  return {
    async load(fingerprint) {
      const [runs, scan, search, moduleScan] = await Promise.all([
        get<RunRecord[]>(key('runs', fingerprint), db()), get<ScanRecord>(key('scan', fingerprint), db()),
        get<SearchRecord>(key('search', fingerprint), db()), get<ScanRecord>(key('scan-module', fingerprint), db()),
      ]);
      return { runs: (runs ?? []).filter((r) => r.version === RECORD_VERSION), scan: current(scan), search: current(search),
        moduleScan: current(moduleScan) };
    },
    async addRun(run) {
      let result: RunRecord[] = [];
      await update<RunRecord[]>(key('runs', run.fingerprint), (old) => {
        result = [run, ...(old ?? []).filter((r) => r.id !== run.id && r.version === RECORD_VERSION)].slice(0, MAX_RUNS);
        return result;
      }, db());
      return result;
    },
    saveScan: (scan) => set(key(scan.by === 'module' ? 'scan-module' : 'scan', scan.fingerprint), scan, db()),
    saveSearch: (search) => set(key('search', search.fingerprint), search, db()),
    async forget(fingerprint) {
      await Promise.all(['runs', 'scan', 'scan-module', 'search'].map((k) => del(key(k as 'runs', fingerprint), db())));
    },
  };
}

/** The curve's protocol key of a pruned result (model, text, windows, calibration). */
export const outcomeProtocol = (o: PruneOutcome) =>
  `${o.modelHash}/${o.textHash}/${o.windows}x${o.seqLen}/${JSON.stringify(o.calibration)}`;

export function runRecordOf(outcome: PruneOutcome, label: string, savedAt: number, search?: RunSearchProvenance | null): RunRecord {
  const protocol = outcomeProtocol(outcome);
  return {
    version: RECORD_VERSION, id: `${protocol}/${label}/${outcome.request.sparsity}`, fingerprint: outcome.modelHash, savedAt,
    label, protocol, outcome, ...(search ? { search } : {}),
  };
}

/** `run` with the zero-shot pair measured on it (the worker's prune id dropped: it means nothing after a reload). */
export function withZeroShot(run: RunRecord, dense: ZeroShotJobOutcome, pruned: ZeroShotJobOutcome): RunRecord {
  const plain = ({ pruneId: _, ...summary }: ZeroShotJobOutcome): ZeroShotSummary => summary;
  return { ...run, zeroShot: { dense: plain(dense), pruned: plain(pruned) } };
}

export function scanRecordOf(fingerprint: string, scan: {
  layers: number; levels: number[]; cells: ScanCell[]; total: number; densePpl: number | null; status: string;
  by?: 'layer' | 'module'; protocol?: string | null;
}, metric: MethodSettings['metric'], protocol: { seqLen: number; windows: number; textName: string | null }, savedAt: number): ScanRecord {
  return {
    version: RECORD_VERSION, fingerprint, savedAt, metric, layers: scan.layers, levels: [...scan.levels], cells: [...scan.cells],
    total: scan.total, densePpl: scan.densePpl, complete: scan.status === 'done', ...protocol,
    ...(scan.by === 'module' ? { by: 'module' as const } : {}), ...(scan.protocol ? { protocol: scan.protocol } : {}),
  };
}

/** Copies the search settings field by field: whatever else sits beside them (the API key) stays out. */
export function searchSettingsOf(s: SearchSettings): SearchSettings {
  return {
    target: s.target, method: s.method, population: s.population, generations: s.generations, crossovers: s.crossovers,
    mutations: s.mutations, seed: s.seed, operator: s.operator, llmUrl: s.llmUrl, llmModel: s.llmModel,
    llmTemperature: s.llmTemperature, llmTimeoutSeconds: s.llmTimeoutSeconds, ...(s.fitness ? { fitness: s.fitness } : {}),
  };
}

export function searchRecordOf(fingerprint: string, state: SearchState, ctx: {
  settings: SearchSettings; ppl: PerplexitySettings; calibWindows: number; textName: string | null; calibName: string | null;
  densePpl: number | null;
}, savedAt: number): SearchRecord {
  return {
    version: RECORD_VERSION, fingerprint, savedAt, settings: searchSettingsOf(ctx.settings),
    ppl: { seqLen: ctx.ppl.seqLen, maxWindows: ctx.ppl.maxWindows }, calibWindows: ctx.calibWindows, textName: ctx.textName,
    calibName: ctx.calibName, densePpl: ctx.densePpl, state,
  };
}

/** A search checkpoint worth offering to resume: not finished, something to continue from. */
export const isResumable = (r: SearchRecord | null): r is SearchRecord => !!r && !r.state.done && (r.state.history.length > 0 || r.state.pending !== null);
