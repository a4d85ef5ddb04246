// Zero-shot accuracy as lm-eval-harness computes it (the core `prunelab eval` runs): pick tasks and their data files,
// optionally the first N documents, then evaluate the dense model and the model as the slider's shown run pruned it,
// side by side with standard errors and the protocol. Runs on demand; a slider step marks the pruned column stale.
import { sliderPruning } from '../state/preview-slice.ts';
import { isGpuBusy } from '../state/studio-store.ts';
import { inputsKeyOf, prunedRunOf, zeroShotProblem } from '../state/zero-shot-slice.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { formatEta } from './format.ts';
import { ProgressBar } from './ProgressBar.tsx';
import { useStudio } from './studio-context.tsx';
import { ZeroShotTable } from './ZeroShotTable.tsx';
import { ZeroShotTaskPicker } from './ZeroShotTaskPicker.tsx';
import './ZeroShotPanel.css';

export function ZeroShotPanel() {
  const z = useStudio((s) => s.zeroShot);
  const ready = useStudio((s) => s.gpu.status === 'ready' && s.model.status === 'ready');
  const busy = useStudio(isGpuBusy);
  const problem = useStudio(zeroShotProblem);
  const hasPrune = useStudio((s) => prunedRunOf(s) !== null);
  const restored = useStudio((s) => s.prune.status === 'done' && s.prune.outcome !== null && s.prune.outcome === s.history.restoredOutcome);
  const current = useStudio((s) => sliderPruning(s).label);
  const currentKey = useStudio((s) => sliderPruning(s).key);
  const inputsKey = useStudio(inputsKeyOf);
  const setLimit = useStudio((s) => s.setZeroShotLimit);
  const run = useStudio((s) => s.runZeroShot);
  const cancel = useStudio((s) => s.cancelZeroShot);
  const dismiss = useStudio((s) => s.dismissZeroShotError);
  const running = z.status === 'running';
  const shown = z.dense !== null && !running;
  const stale = shown && (z.inputsKey !== inputsKey || (z.pruned !== null && z.pruneKey !== currentKey) || (z.pruned === null && hasPrune));
  const p = z.progress;

  return (
    <section className="card zero-shot" aria-labelledby="zs-heading" data-testid="zero-shot-panel">
      <div className="card__titlebar">
        <h2 id="zs-heading" className="card__title"><span className="step" aria-hidden>✓</span> Zero-shot accuracy</h2>
        <span className="muted small">lm-eval-harness multiple_choice, 0-shot · data files in the Hugging Face datasets’ schemas (JSONL or Parquet)</span>
      </div>
      <ZeroShotTaskPicker disabled={running} />
      <div className="zs-controls">
        <label className="field zs-limit">
          <span className="field__label">First N documents</span>
          <input type="number" inputMode="numeric" min={1} step={1} data-testid="zs-limit" disabled={running} placeholder="all"
            value={z.settings.limit ?? ''} onChange={(ev) => setLimit(ev.currentTarget.value === '' ? null : Number(ev.currentTarget.value))} />
          <span className="field__hint">of each file, in order; empty = all</span>
        </label>
        <p className="small zs-target" data-testid="zs-target">
          {hasPrune ? <>dense vs the slider’s run: <strong>{current}</strong></>
            : restored ? 'The sparsity panel shows a restored run: release the slider to prune it again, or evaluate the dense model only.'
              : 'No pruned run yet: dense only (release the sparsity slider to compare with a pruned model).'}
        </p>
        {running ? (
          <button type="button" className="btn btn--danger" data-testid="cancel-zero-shot" onClick={() => void cancel()}>Cancel</button>
        ) : (
          <button type="button" className={`btn${!shown || stale ? ' btn--primary' : ''}`} data-testid="run-zero-shot"
            disabled={!ready || busy || problem !== null} title={problem ?? undefined} onClick={() => void run()}>
            {hasPrune ? 'Evaluate dense + pruned' : 'Evaluate dense'}
          </button>
        )}
      </div>
      {running && (
        <ProgressBar testId="zs-progress" fraction={p && p.total > 0 ? (p.index + p.done / p.total) / p.tasks : 0}
          left={p ? `${z.phase}: ${p.task} (${p.index + 1} of ${p.tasks}), ${p.done} / ${p.total} requests` : `${z.phase}: reading the task files…`}
          right={formatEta(z.etaSeconds)} />
      )}
      {stale && <p className="notice-inline" data-testid="zs-stale">Measured with other tasks, data, limit or pruning than now: evaluate again to update.</p>}
      {z.status === 'cancelled' && <p className="notice-inline" data-testid="zs-cancelled">Cancelled.</p>}
      {z.status === 'error' && z.error && <ErrorBox error={z.error} title="Zero-shot evaluation failed" onDismiss={dismiss} />}
      {z.dense && (!running || z.phase === 'pruned') && <ZeroShotTable dense={z.dense} pruned={z.pruned} prunedLabel={z.prunedLabel} />}
      {!z.dense && !running && z.status !== 'error' && (
        <p className="muted small">{ready ? 'Tick tasks and choose their data files (e.g. the validation split lm-eval uses), then evaluate.'
          : 'Load a model first.'}</p>
      )}
    </section>
  );
}
