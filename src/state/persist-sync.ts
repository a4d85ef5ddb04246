// Keeps IndexedDB in step with the store: loads the saved work when a model is loaded (the restore offer and the
// run history), saves every new slider result (with its zero-shot result once measured), the scan as its cells
// arrive, and every search checkpoint.
// Writes to one key never overlap: the newest value waits for the one being written, older ones are dropped.
import { methodLabel } from './prune-settings.ts';
import { shownSearchSettings } from './search-slice.ts';
import {
  runRecordOf, scanRecordOf, searchRecordOf, withZeroShot, type Persistence, type ScanRecord, type SearchRecord,
} from './persistence.ts';
import type { PruneOutcome } from '../worker/api.ts';
import type { StudioState, StudioStore } from './studio-store.ts';
import { searchProvenanceOf } from './search-provenance.ts';

/** The curve's own label for a run's point (it knows how the run was made), else the method's. */
const labelOf = (s: StudioState, o: PruneOutcome) =>
  s.prune.points.find((p) => p.sparsity === o.request.sparsity && p.ppl === o.ppl)?.method
    // A per-layer vector's point sits at its achieved sparsity: name its origin (evolved / explicit) as the curve does.
    ?? methodLabel(s.prune.method, Array.isArray(o.request.allocation) && s.prune.explicitOrigin);

const modelFingerprint = (s: StudioState) => (s.model.status === 'ready' ? s.model.summary?.fingerprint ?? null : null);

/** Serialises writes; a value queued while one is written replaces any older queued one. */
function latestWins<T>(write: (v: T) => Promise<void>, onError: (e: unknown) => void) {
  let next: T | null = null;
  let running: Promise<void> | null = null;
  const pump = async () => {
    while (next !== null) {
      const v = next;
      next = null;
      try { await write(v); } catch (e) { onError(e); }
    }
    running = null;
  };
  return {
    push(v: T) { next = v; running ??= pump(); },
    /** Resolves once everything queued so far is written (tests, page hide). */
    async flush() { while (running) await running; },
  };
}

export interface PersistenceConnection {
  disconnect(): void;
  flush(): Promise<void>;
}

export function connectPersistence(store: StudioStore, persistence: Persistence, opts: { now?: () => number } = {}): PersistenceConnection {
  const now = opts.now ?? (() => Date.now());
  const fail = (e: unknown) => store.getState().historyFailed(
    `Saved runs are unavailable in this browser (IndexedDB: ${e instanceof Error ? e.message : String(e)}); nothing is kept after a reload.`);
  const scans = latestWins<ScanRecord>((r) => persistence.saveScan(r), fail);
  const searches = latestWins<SearchRecord>((r) => persistence.saveSearch(r), fail);
  const runs = latestWins<() => Promise<void>>((job) => job(), fail);
  const zeroShots = latestWins<() => Promise<void>>(async (job) => { await runs.flush(); await job(); }, fail);
  let fingerprint: string | null = null;

  const unwatch = store.getState().watchSearchCheckpoints((state) => {
    const s = store.getState();
    const fp = modelFingerprint(s);
    if (!fp || (state.protocol && state.protocol.modelHash !== fp)) return;
    searches.push(searchRecordOf(fp, state, {
      settings: shownSearchSettings(s), ppl: s.ppl.settings, calibWindows: s.prune.method.calibWindows, textName: s.text.name,
      calibName: s.prune.calibFile?.name ?? null, densePpl: s.search.densePpl,
    }, now()));
  });

  const unsubscribe = store.subscribe((s, prev) => {
    const fp = modelFingerprint(s);
    if (fp !== fingerprint) {
      fingerprint = fp;
      s.historyReset(fp);
      if (fp) {
        persistence.load(fp).then((work) => { if (fingerprint === fp) store.getState().savedWorkLoaded(fp, work); }, fail);
      }
    }
    if (!fp) return;

    const o = s.prune.outcome;
    if (o && o !== prev.prune.outcome && s.prune.status === 'done' && o !== s.history.restoredOutcome && o.modelHash === fp) {
      const record = runRecordOf(o, labelOf(s, o), now(), searchProvenanceOf(s, o, s.getSearchCheckpoint()));
      runs.push(async () => { store.getState().runsSaved(fp, await persistence.addRun(record)); });
    }

    // A zero-shot result on the shown run is saved with that run (its record, or a new one if it is not saved yet).
    const { dense, pruned } = s.zeroShot;
    if (pruned && pruned !== prev.zeroShot.pruned && dense && o && pruned.pruneId === o.pruneId && o.modelHash === fp) {
      zeroShots.push(async () => {
        const saved = store.getState().history.runs.find((r) => r.outcome.pruneId === o.pruneId)
          ?? runRecordOf(o, labelOf(s, o), now(), searchProvenanceOf(s, o, s.getSearchCheckpoint()));
        store.getState().runsSaved(fp, await persistence.addRun(withZeroShot(saved, dense, pruned)));
      });
    }

    const scan = s.scan;
    const streamed = scan.status === 'running' && scan.cells.length !== prev.scan.cells.length;
    const ended = prev.scan.status === 'running' && (scan.status === 'done' || scan.status === 'cancelled');
    if ((streamed || ended) && scan.cells.length > 0) {
      scans.push(scanRecordOf(fp, scan, s.prune.method.metric,
        { seqLen: s.ppl.settings.seqLen, windows: scan.settings.windows, textName: s.text.name }, now()));
    }
  });

  return {
    disconnect() { unsubscribe(); unwatch(); },
    async flush() { await Promise.all([scans.flush(), searches.flush(), runs.flush(), zeroShots.flush()]); },
  };
}
