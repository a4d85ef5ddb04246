// Sensitivity scan: prune one layer (or one linear map of one layer) at a time at each level and measure the
// perplexity increase; cells stream into the heatmap; progress with ETA; cancel keeps what was measured and
// resume measures only the missing cells.
import { useState } from 'react';
import { parseLevels } from '../state/prune-settings.ts';
import { canResumeScan, scanModules, type ScanBy } from '../state/scan-slice.ts';
import { isGpuBusy } from '../state/studio-store.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { NumberField } from './NumberField.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { SegmentedControl } from './SegmentedControl.tsx';
import { levelLabel, SensitivityHeatmap } from './SensitivityHeatmap.tsx';
import { useStudio } from './studio-context.tsx';
import { formatEta } from './format.ts';
import './PrunePanels.css';

const VIEWS: Array<{ value: ScanBy; label: string; title: string }> = [
  { value: 'layer', label: 'By level', title: 'layers × sparsity levels: the whole layer (all seven maps) pruned per cell' },
  { value: 'module', label: 'By module', title: 'layers × linear maps (q k v o gate up down): one map pruned per cell, at one level' },
];

/** The layers x modules grid at one of the scanned levels (picked above it when there are several). */
function ModuleGrid() {
  const scan = useStudio((s) => s.scan);
  const [picked, setPicked] = useState<number | null>(null);
  const level = picked !== null && scan.levels.includes(picked) ? picked : scan.levels[0];
  const byKey = new Map(scan.cells.map((c) => [`${c.layer}/${c.module}/${c.level}`, c]));
  const modules = useStudio((s) => scanModules(s.model.summary));
  return (
    <>
      {scan.levels.length > 1 && (
        <div className="scan-view-row">
          <span className="field__label">Level shown</span>
          <SegmentedControl label="Sparsity level shown" name="module-level" testId="module-level" value={String(level)}
            options={scan.levels.map((l) => ({ value: String(l), label: levelLabel(l) }))} onChange={(v) => setPicked(Number(v))} />
        </div>
      )}
      <SensitivityHeatmap layers={scan.layers} columns={modules.map((m) => ({ key: m, label: m }))} scaleCells={scan.cells}
        cellAt={(l, m) => byKey.get(`${l}/${m}/${level}`)} densePpl={scan.densePpl} testId="module-heatmap"
        axisTitle={`linear map pruned alone at ${levelLabel(level)}`} />
    </>
  );
}

export function HeatmapPanel() {
  const scan = useStudio((s) => s.scan);
  const metric = useStudio((s) => s.prune.method.metric);
  const ready = useStudio((s) => s.gpu.status === 'ready' && s.model.status === 'ready' && !!s.text.file);
  const layers = useStudio((s) => s.model.summary?.layers ?? 0);
  const moduleCount = useStudio((s) => scanModules(s.model.summary).length);
  const busy = useStudio(isGpuBusy);
  const resumable = useStudio(canResumeScan);
  const setScanSettings = useStudio((s) => s.setScanSettings);
  const setScanView = useStudio((s) => s.setScanView);
  const runScan = useStudio((s) => s.runScan);
  const cancelScan = useStudio((s) => s.cancelScan);
  const dismiss = useStudio((s) => s.dismissScanError);
  const running = scan.status === 'running';
  const byModule = scan.by === 'module';
  const typed = parseLevels(scan.settings.levelsText);
  const planned = typeof typed === 'string' || layers === 0 ? null : layers * typed.length * (byModule ? moduleCount : 1);
  const byLevel = new Map(scan.cells.map((c) => [`${c.layer}/${c.level}`, c]));

  return (
    <section className="card" aria-labelledby="scan-heading">
      <div className="card__titlebar">
        <h2 id="scan-heading" className="card__title"><span className="step">6</span> Layer sensitivity</h2>
        <SegmentedControl label="Heatmap view" name="scan-view" testId="scan-view" value={scan.by} options={VIEWS}
          disabled={running} onChange={setScanView} />
      </div>
      <p className="muted small scan-subtitle" data-testid="scan-subtitle">
        {metric === 'sparsegpt' ? 'The scan prunes with Wanda or magnitude scores: pick one of them in the method panel (SparseGPT is not supported in the scan).'
          : `${metric === 'magnitude' ? 'Magnitude' : 'Wanda'} scores, one ${byModule ? 'linear map of one layer' : 'layer'} pruned per cell`}
      </p>
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
            <>
              {resumable && (
                <button type="button" className="btn" data-testid="resume-scan" disabled={!ready || busy || metric === 'sparsegpt'}
                  title="Measure only the cells this scan has not measured yet" onClick={() => void runScan({ resume: true })}>Resume</button>
              )}
              <button type="button" className="btn btn--primary" data-testid="run-scan" disabled={!ready || busy || metric === 'sparsegpt'} onClick={() => void runScan()}>
                {resumable ? 'Rescan' : 'Scan'}
              </button>
            </>
          )}
        </div>
      </div>
      {planned !== null && !running && (
        <p className="small muted scan-plan" data-testid="scan-plan">
          {planned} cells: {layers} layers{byModule ? ` × ${moduleCount} linear maps` : ''} × {planned / layers / (byModule ? moduleCount : 1)} level{planned === layers * (byModule ? moduleCount : 1) ? '' : 's'}
        </p>
      )}
      {running && (
        <ProgressBar testId="scan-progress" fraction={scan.total > 0 ? scan.done / scan.total : 0}
          left={scan.done > 0 ? `${scan.done} / ${scan.total} cells` : 'Dense baseline and calibration statistics…'}
          right={scan.done > 0 ? formatEta(scan.etaSeconds) : undefined} />
      )}
      {scan.status === 'cancelled' && (
        <p className="notice-inline" data-testid="scan-cancelled">Cancelled after {scan.cells.length} of {scan.total} cells.</p>
      )}
      {scan.status === 'error' && scan.error && <ErrorBox error={scan.error} title="Sensitivity scan failed" onDismiss={dismiss} />}
      {scan.layers > 0 && (byModule ? <ModuleGrid /> : (
        <SensitivityHeatmap layers={scan.layers} columns={scan.levels.map((l) => ({ key: String(l), label: levelLabel(l) }))}
          cellAt={(l, level) => byLevel.get(`${l}/${level}`)} scaleCells={scan.cells} densePpl={scan.densePpl} axisTitle="layer sparsity" />
      ))}
      {scan.densePpl !== null && (
        <p className="small muted" data-testid="scan-dense">dense perplexity on these windows: {scan.densePpl.toFixed(4)}</p>
      )}
      {scan.status === 'idle' && scan.layers === 0 && (
        <p className="muted small">
          {byModule ? 'Which linear maps can take more sparsity? Each cell prunes one map (q, k, v, o, gate, up or down) of one layer, from dense statistics.'
            : 'Which layers can take more sparsity? Each cell prunes only that layer, from dense statistics.'}
        </p>
      )}
    </section>
  );
}
