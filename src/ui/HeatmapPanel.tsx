// Sensitivity scan: prune one layer at a time at each level and measure the perplexity increase; cells
// stream into the heatmap; progress with ETA; cancel keeps what was measured.
import { isGpuBusy } from '../state/studio-store.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { NumberField } from './NumberField.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { SensitivityHeatmap } from './SensitivityHeatmap.tsx';
import { useStudio } from './studio-context.tsx';
import { formatEta } from './format.ts';
import './PrunePanels.css';

export function HeatmapPanel() {
  const scan = useStudio((s) => s.scan);
  const metric = useStudio((s) => s.prune.method.metric);
  const ready = useStudio((s) => s.gpu.status === 'ready' && s.model.status === 'ready' && !!s.text.file);
  const busy = useStudio(isGpuBusy);
  const setScanSettings = useStudio((s) => s.setScanSettings);
  const runScan = useStudio((s) => s.runScan);
  const cancelScan = useStudio((s) => s.cancelScan);
  const dismiss = useStudio((s) => s.dismissScanError);
  const running = scan.status === 'running';

  return (
    <section className="card" aria-labelledby="scan-heading">
      <div className="card__titlebar">
        <h2 id="scan-heading" className="card__title"><span className="step">6</span> Layer sensitivity</h2>
        <span className="muted small">{metric === 'wanda' ? 'Wanda' : 'Magnitude'} scores, one layer pruned per cell</span>
      </div>
      <div className="scan-controls">
        <label className="field">
          <span className="field__label">Levels</span>
          <input type="text" value={scan.settings.levelsText} disabled={running} data-testid="scan-levels-input"
            onChange={(ev) => setScanSettings({ levelsText: ev.currentTarget.value })} />
          <span className="field__hint">sparsities, comma-separated</span>
        </label>
        <NumberField label="Windows per cell" value={scan.settings.windows} min={1} testId="scan-windows-input" disabled={running}
          hint="first windows of the text" onChange={(windows) => setScanSettings({ windows })} />
        <div className="ppl-controls__buttons">
          {running ? (
            <button type="button" className="btn btn--danger" data-testid="cancel-scan" onClick={() => void cancelScan()}>Cancel</button>
          ) : (
            <button type="button" className="btn btn--primary" data-testid="run-scan" disabled={!ready || busy} onClick={() => void runScan()}>Scan</button>
          )}
        </div>
      </div>
      {running && (
        <ProgressBar testId="scan-progress" fraction={scan.total > 0 ? scan.done / scan.total : 0}
          left={scan.done > 0 ? `${scan.done} / ${scan.total} cells` : 'Dense baseline and calibration statistics…'}
          right={scan.done > 0 ? formatEta(scan.etaSeconds) : undefined} />
      )}
      {scan.status === 'cancelled' && (
        <p className="notice-inline" data-testid="scan-cancelled">Cancelled after {scan.cells.length} of {scan.total} cells.</p>
      )}
      {scan.status === 'error' && scan.error && <ErrorBox error={scan.error} title="Sensitivity scan failed" onDismiss={dismiss} />}
      {scan.layers > 0 && (
        <SensitivityHeatmap layers={scan.layers} levels={scan.levels} cells={scan.cells} densePpl={scan.densePpl} />
      )}
      {scan.densePpl !== null && (
        <p className="small muted" data-testid="scan-dense">dense perplexity on these windows: {scan.densePpl.toFixed(4)}</p>
      )}
      {scan.status === 'idle' && scan.layers === 0 && (
        <p className="muted small">Which layers can take more sparsity? Each cell prunes only that layer, from dense statistics.</p>
      )}
    </section>
  );
}
