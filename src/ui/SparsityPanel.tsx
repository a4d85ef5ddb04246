// The live sparsity slider: release to prune + evaluate; pruned vs dense perplexity, the per-layer
// allocation, MRP's redundancy, and the perplexity-vs-sparsity curve explored so far.
import { missingForPruning } from '../state/job-slice.ts';
import type { PruneOutcome } from '../worker/api.ts';
import { useStudio } from './studio-context.tsx';
import { AllocationChart } from './AllocationChart.tsx';
import { ErrorBox } from './ErrorBox.tsx';
import { PplCurveChart } from './PplCurveChart.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { RedundancyChart } from './RedundancyChart.tsx';
import { SparsitySlider } from './SparsitySlider.tsx';
import { VectorField } from './VectorField.tsx';
import { formatSeconds } from './format.ts';
import { methodLabel } from '../state/prune-settings.ts';
import { requestedAchievedText } from '../state/requested-achieved.ts';
import { pruneSpeedText } from '../state/prune-speed-text.ts';
import { isOtherGpuJobThanPrune } from '../state/studio-store.ts';
import './PrunePanels.css';

function Outcome({ outcome, stale }: { outcome: PruneOutcome; stale: boolean }) {
  const { result, calibration: c } = outcome;
  const speed = pruneSpeedText(outcome);
  return (
    <div className={`prune-result${stale ? ' prune-result--stale' : ''}`} data-testid="prune-result">
      <div className="prune-result__numbers">
        <div className="big-number">
          <span className="result__label">Pruned perplexity</span>
          <span className="big-number__value" data-testid="pruned-ppl">{outcome.ppl.toFixed(4)}</span>
        </div>
        <div className="big-number big-number--dense">
          <span className="result__label">Dense</span>
          <span className="big-number__value" data-testid="dense-ppl">{outcome.densePpl.toFixed(4)}</span>
        </div>
        <div className="big-number big-number--dense">
          <span className="result__label">Ratio</span>
          <span className="big-number__value">×{(outcome.ppl / outcome.densePpl).toFixed(2)}</span>
        </div>
      </div>
      <p className="protocol small muted" data-testid="prune-protocol">
        {outcome.request.structured ? 'heads + channels: ' : ''}<span data-testid="prune-shares">{requestedAchievedText(outcome)}</span> ·{' '}
        {outcome.windows} × {outcome.seqLen} evaluation windows · calibration {c.windows} × {c.seqLen} from the{' '}
        {c.source === 'evaluation-text' ? `evaluation text after ${c.offsetTokens} tokens` : 'calibration text'}
        {' '}· <span data-testid="prune-seconds">{formatSeconds(outcome.seconds)}</span> (evaluation {formatSeconds(outcome.evalSeconds)})
        {speed && <span data-testid="prune-speed" title="one evaluation of the same windows each; the first evaluation at a new shape includes compiling its pipelines"> · {speed}</span>}
        {outcome.keptHeads && outcome.keptChannels && (
          <span data-testid="prune-kept"> · kept heads {outcome.keptHeads.join(' ')} · kept MLP channels {outcome.keptChannels.join(' ')}</span>
        )}
      </p>
      <AllocationChart allocation={result.allocation} achieved={result.achievedSparsity} />
      {result.redundancyBefore && result.redundancyAfter && (
        <RedundancyChart before={result.redundancyBefore} after={result.redundancyAfter}
          spreadBefore={result.spreadBefore ?? 0} spreadAfter={result.spreadAfter ?? 0} />
      )}
    </div>
  );
}

export function SparsityPanel() {
  const prune = useStudio((s) => s.prune);
  const missing = useStudio(missingForPruning);
  const ready = missing === null;
  const otherJob = useStudio(isOtherGpuJobThanPrune);
  const commitSparsity = useStudio((s) => s.commitSparsity);
  const cancelPrune = useStudio((s) => s.cancelPrune);
  const dismiss = useStudio((s) => s.dismissPruneError);
  const running = prune.status === 'running';
  const p = prune.progress;

  return (
    <section className="card" aria-labelledby="slider-heading">
      <div className="card__titlebar">
        <h2 id="slider-heading" className="card__title"><span className="step">5</span> Sparsity</h2>
        <span className="muted small" data-testid="slider-method">{methodLabel(prune.method, prune.explicit !== null && prune.explicitOrigin)}</span>
      </div>
      <div className="slider-row">
        <SparsitySlider value={prune.sparsity} onCommit={(v) => void commitSparsity(v)} disabled={!ready || otherJob} />
        {running && <button type="button" className="btn btn--danger" data-testid="cancel-prune" onClick={() => void cancelPrune()}>Cancel</button>}
      </div>
      <VectorField disabled={!ready || otherJob} />
      {running && (
        <ProgressBar testId="prune-progress" fraction={p && p.total > 0 ? p.done / p.total : 0}
          left={p ? `${p.phase}: ${p.phase === 'MRP' ? `${(p.done * 100).toFixed(0)}% of ${(p.total * 100).toFixed(0)}%` : `${p.done} / ${p.total}`}`
            : `Pruning to ${(prune.sparsity * 100).toFixed(0)}% (dense baseline and calibration first)…`} />
      )}
      {prune.status === 'cancelled' && <p className="notice-inline" data-testid="prune-cancelled">Cancelled.</p>}
      {prune.status === 'error' && prune.error && <ErrorBox error={prune.error} title="Pruning failed" onDismiss={dismiss} />}
      {prune.outcome && <Outcome outcome={prune.outcome} stale={running} />}
      {!prune.outcome && !running && prune.status !== 'error' && (
        <p className="muted small" data-testid="prune-hint">
          {missing ?? 'Move the slider and release it: the model is pruned on the GPU and evaluated on the perplexity panel’s windows.'}
        </p>
      )}
      {prune.points.length > 0 && <PplCurveChart points={prune.points} />}
    </section>
  );
}
