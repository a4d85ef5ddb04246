// Export the run the sparsity panel shows: format (masked / compact / ONNX, each with who can load it), then one
// zip download or, where the browser has the File System Access API, straight into a folder (large models).
// The worker writes it tensor by tensor; progress in bytes with an ETA, and Cancel.
import { useEffect } from 'react';
import { exportFormatProblem, type ExportFormatChoice } from '../state/export-slice.ts';
import { methodLabel } from '../state/prune-settings.ts';
import { isGpuBusy } from '../state/studio-store.ts';
import type { ExportJobOutcome } from '../worker/api.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { ExportLoaders } from './ExportLoaders.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { directoryPicker, saveBlob } from './save-blob.ts';
import { useStudio } from './studio-context.tsx';
import { formatBytes, formatEta, formatSeconds } from './format.ts';
import './ExportPanel.css';

const FORMATS: Array<{ value: ExportFormatChoice; label: string; hint: string }> = [
  { value: 'masked', label: 'Masked', hint: 'safetensors in the original shapes and dtype, pruned weights zero' },
  { value: 'compact', label: 'Compact', hint: 'safetensors without the removed heads and channels (structured pruning)' },
  { value: 'onnx', label: 'ONNX', hint: 'model.onnx for onnxruntime / onnxruntime-web' },
];

const signedPercent = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x * 100).toFixed(1)}%`;

function Done({ result }: { result: ExportJobOutcome }) {
  const total = result.files.reduce((n, f) => n + f.bytes, 0);
  return (
    <div className="export-done" data-testid="export-done">
      <p>
        <strong>{result.blob ? 'Downloaded' : 'Saved to'}</strong> <code data-testid="export-location">{result.location}</code>{' '}
        <span className="muted">· {result.files.length} files · {formatBytes(total)} · {formatSeconds(result.seconds)}
          {result.reapplied ? ' · masks re-applied first' : ''}</span>
      </p>
      <table className="export-files" data-testid="export-files">
        <tbody>
          {result.files.map((f) => (
            <tr key={f.name}>
              <td><code>{f.name}</code></td>
              <td className="num">{formatBytes(f.bytes)}{f.name === result.summary.weightsFile && result.sourceWeightBytes > 0 && (
                <span className="muted" data-testid="export-weights-vs-source">{' '}({signedPercent(f.bytes / result.sourceWeightBytes - 1)} vs the source's {formatBytes(result.sourceWeightBytes)})</span>
              )}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="small">
        <span className="muted">Written as </span><code data-testid="export-variant">{result.summary.variant}</code>
        <span className="muted"> · loads in: </span>{result.summary.loaders.join(' · ')}
      </p>
      {result.summary.notes.map((n) => <p key={n} className="small muted">{n}</p>)}
      {result.blob && (
        <button type="button" className="btn btn--small" onClick={() => saveBlob(result.blob!, result.location)}>Download again</button>
      )}
    </div>
  );
}

export function ExportPanel() {
  const outcome = useStudio((s) => (s.prune.status === 'done' ? s.prune.outcome : null));
  const label = useStudio((s) => methodLabel(s.prune.method, s.prune.explicit !== null));
  const job = useStudio((s) => s.exportJob);
  const kvHeads = useStudio((s) => s.model.summary?.kvHeads ?? 1);
  const busy = useStudio((s) => isGpuBusy(s) || s.gpu.status !== 'ready');
  const setFormat = useStudio((s) => s.setExportFormat);
  const runExport = useStudio((s) => s.runExport);
  const cancel = useStudio((s) => s.cancelExport);
  const dismiss = useStudio((s) => s.dismissExportError);
  const forgetStale = useStudio((s) => s.forgetStaleExport);
  useEffect(() => { forgetStale(); }, [outcome, forgetStale]); // a new run: the last export was of the old one
  if (!outcome) return null;

  const running = job.status === 'running';
  const problem = exportFormatProblem(job.format, outcome.request);
  const pickFolder = directoryPicker();
  const p = job.progress;

  async function toZip() {
    const result = await runExport({ kind: 'zip' });
    if (result?.blob) saveBlob(result.blob, result.location);
  }
  async function toFolder() {
    if (!pickFolder) return;
    let handle: FileSystemDirectoryHandle;
    try { handle = await pickFolder(); } catch { return; } // the user closed the picker
    await runExport({ kind: 'folder', handle });
  }

  return (
    <section className="card" aria-labelledby="export-heading" data-testid="export-panel">
      <div className="card__titlebar">
        <h2 id="export-heading" className="card__title"><span className="step" aria-hidden>↓</span> Export the pruned model</h2>
        <span className="muted small" data-testid="export-run">{label} · {(outcome.request.sparsity * 100).toFixed(0)}% · perplexity {outcome.ppl.toFixed(3)}</span>
      </div>
      <fieldset className="choices" data-testid="export-format" disabled={running}>
        <legend className="field__label">Format</legend>
        {FORMATS.map((f) => {
          const why = exportFormatProblem(f.value, outcome.request);
          return (
            <label key={f.value} className={`choice${f.value === job.format ? ' choice--on' : ''}${why ? ' choice--unavailable' : ''}`} title={why ?? undefined}>
              <input type="radio" name="export-format" value={f.value} checked={f.value === job.format}
                data-testid={`export-format-${f.value}`} onChange={() => setFormat(f.value)} />
              <span className="choice__label">{f.label}</span>
              <span className="choice__hint">{f.hint}</span>
            </label>
          );
        })}
      </fieldset>
      {problem ? <p className="notice-inline" data-testid="export-problem">{problem}</p> : <ExportLoaders format={job.format} outcome={outcome} kvHeads={kvHeads} />}
      <div className="export-actions">
        <button type="button" className="btn btn--primary" data-testid="export-zip" disabled={busy || !!problem} onClick={() => void toZip()}>
          Download .zip
        </button>
        {pickFolder && (
          <button type="button" className="btn" data-testid="export-folder" disabled={busy || !!problem} onClick={() => void toFolder()}>
            Save to a folder…
          </button>
        )}
        {running && <button type="button" className="btn btn--danger" data-testid="cancel-export" onClick={() => void cancel()}>Cancel</button>}
      </div>
      <p className="small muted">
        {pickFolder ? 'The zip is built in memory (up to 4 GiB); a folder is written file by file, for models of any size.'
          : 'The zip is built in memory (up to 4 GiB). Saving straight into a folder needs the File System Access API (Chrome, Edge).'}
      </p>
      {running && (
        <ProgressBar testId="export-progress" fraction={p?.totalBytes ? p.bytes / p.totalBytes : 0}
          left={!p ? 'Starting…' : p.phase === 'pruning' ? 'Re-applying the masks (another GPU job ran since)…'
            : `Writing ${p.file} · ${formatBytes(p.bytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''}`}
          right={p?.phase === 'writing' && p.totalBytes ? formatEta(job.etaSeconds) : undefined} />
      )}
      {job.status === 'cancelled' && <p className="notice-inline" data-testid="export-cancelled">Export cancelled; nothing was saved.</p>}
      {job.status === 'error' && job.error && <ErrorBox error={job.error} title="Export failed" onDismiss={dismiss} />}
      {job.status === 'done' && job.result && job.runFor === outcome && <Done result={job.result} />}
    </section>
  );
}
