// After a reload, once the same model is loaded: what this browser kept for it (IndexedDB) and a button for
// each part: the perplexity-vs-sparsity curve with the last result, the scan heatmap, an unfinished search.
import { isGpuBusy } from '../state/studio-store.ts';
import { useStudio } from './studio-context.tsx';
import './Share.css';

function ago(ms: number): string {
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 90) return 'just now';
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

export function RestoreNotice() {
  const offer = useStudio((s) => s.history.offer);
  const busy = useStudio(isGpuBusy);
  const textName = useStudio((s) => s.text.name);
  const restoreRuns = useStudio((s) => s.restoreRuns);
  const restoreScan = useStudio((s) => s.restoreScan);
  const resume = useStudio((s) => s.resumeSavedSearch);
  const dismiss = useStudio((s) => s.dismissRestore);
  if (!offer) return null;
  const { runs, scan, search, moduleScan } = offer;
  const newest = Math.max(runs?.[0]?.savedAt ?? 0, scan?.savedAt ?? 0, search?.savedAt ?? 0, moduleScan?.savedAt ?? 0);
  const last = runs?.[0];

  return (
    <section className="restore" aria-label="Saved work for this model" data-testid="restore-notice">
      <div className="linknote__head">
        <span className="linknote__title">Restore your work on this model?</span>
        <span className="small muted">kept in this browser · {ago(newest)}</span>
        <button type="button" className="linknote__close" aria-label="Dismiss" onClick={dismiss}>×</button>
      </div>
      <div className="restore__actions">
        {runs && last && (
          <button type="button" className="btn" data-testid="restore-runs" disabled={busy} onClick={restoreRuns}>
            Curve and last result <span className="restore__detail">{runs.length} run{runs.length > 1 ? 's' : ''} · {last.label} at{' '}
              {+(last.outcome.request.sparsity * 100).toFixed(1)}%: {last.outcome.ppl.toFixed(3)}</span>
          </button>
        )}
        {scan && (
          <button type="button" className="btn" data-testid="restore-scan" disabled={busy} onClick={() => restoreScan()}>
            Scan heatmap <span className="restore__detail">{scan.layers} layers × {scan.levels.length} levels
              {scan.complete ? '' : `, ${scan.cells.length} of ${scan.total} cells`}</span>
          </button>
        )}
        {moduleScan && (
          <button type="button" className="btn" data-testid="restore-module-scan" disabled={busy} onClick={() => restoreScan('module')}>
            Module heatmap <span className="restore__detail">{moduleScan.layers} layers × 7 modules × {moduleScan.levels.length}{' '}
              level{moduleScan.levels.length === 1 ? '' : 's'}{moduleScan.complete ? '' : `, ${moduleScan.cells.length} of ${moduleScan.total} cells`}</span>
          </button>
        )}
        {search && (
          <button type="button" className="btn btn--primary" data-testid="resume-saved-search" disabled={busy || !textName}
            onClick={() => void resume()}>
            Resume search: generation {search.state.generation} of {search.state.config.generations},{' '}
            {search.state.history.length} individual{search.state.history.length === 1 ? '' : 's'}
          </button>
        )}
      </div>
      {search && !textName && (
        <p className="small muted" data-testid="resume-needs-text">
          Pick the evaluation text{search.textName ? ` (${search.textName})` : ''} to resume the search: it continues only on the
          same text, windows and calibration{search.calibName ? ` (calibration text ${search.calibName})` : ''}.
        </p>
      )}
    </section>
  );
}
