// The pruning method: metric, layerwise allocation, N:M pattern and calibration, each with a one-line
// explanation and the published defaults the core uses.
import { DEFAULT_MRP, DEFAULT_OWL, type Metric } from '../core/prune/prune-options.ts';
import type { AllocationChoice, NmChoice } from '../state/prune-settings.ts';
import { effectiveAllocation } from '../state/prune-settings.ts';
import { isGpuBusy } from '../state/studio-store.ts';
import { ChoiceGroup } from './ChoiceGroup.tsx';
import { mrpWithSparseGptRefusal } from '../state/method-support.ts';
import { NumberField } from './NumberField.tsx';
import { StructuredOptions } from './StructuredOptions.tsx';
import { useStudio } from './studio-context.tsx';
import { formatBytes } from './format.ts';
import './PrunePanels.css';

const METRICS = [
  { value: 'magnitude' as Metric, label: 'Magnitude', hint: 'drop the smallest |W| in each output row; needs no calibration statistics' },
  { value: 'wanda' as Metric, label: 'Wanda', hint: 'drop the smallest |W| · ‖X‖ per output row (weights times input-activation norms)' },
  { value: 'sparsegpt' as Metric, label: 'SparseGPT',
    hint: 'second order: per block of 128 columns drop the smallest w² / [H⁻¹]²ⱼⱼ and update the kept weights to make up for them (slower)' },
];

const SPARSEGPT_NO_HEADS = 'SparseGPT removes single weights: for heads + channels pick Wanda (Wanda-sp) or Magnitude (magnitude-sp)';

const ALLOCATIONS = [
  { value: 'uniform' as AllocationChoice, label: 'Uniform', hint: 'every layer gets the global sparsity' },
  { value: 'owl' as AllocationChoice, label: 'OWL',
    hint: `layers with more outlier weights keep more (M = ${DEFAULT_OWL.M}, λ = ${DEFAULT_OWL.lambda})` },
  { value: 'mrp' as AllocationChoice, label: 'MRP',
    hint: `prunes step by step towards equal redundancy per layer (M = ${DEFAULT_MRP.M}, s₀ = S/2, step ${DEFAULT_MRP.step}, `
      + `s_max ${DEFAULT_MRP.sMax}, refresh ${DEFAULT_MRP.refresh})` },
];

const PATTERNS = [
  { value: 'off' as NmChoice, label: 'Unstructured', hint: 'any weight may go' },
  { value: '2:4' as NmChoice, label: '2:4', hint: 'keep 2 of every 4 weights per row (hardware sparse; forces 50% and uniform)' },
  { value: '4:8' as NmChoice, label: '4:8', hint: 'keep 4 of every 8 weights per row (forces 50% and uniform)' },
  { value: 'heads' as NmChoice, label: 'Heads + channels',
    hint: 'remove whole attention heads and MLP channels (Wanda-sp / magnitude-sp / FLAP); the model really computes less' },
];

export function MethodPanel() {
  const method = useStudio((s) => s.prune.method);
  const calibFile = useStudio((s) => s.prune.calibFile);
  const seqLen = useStudio((s) => s.ppl.settings.seqLen);
  const evalWindows = useStudio((s) => s.ppl.settings.maxWindows);
  const heads = useStudio((s) => s.model.summary?.heads ?? null);
  const kvHeads = useStudio((s) => s.model.summary?.kvHeads ?? null);
  const busy = useStudio(isGpuBusy);
  const setMethod = useStudio((s) => s.setMethod);
  const setCalibFile = useStudio((s) => s.setCalibFile);
  const nmOn = method.nm !== 'off';
  const sparseGpt = method.metric === 'sparsegpt';
  const mrpRefused = sparseGpt ? mrpWithSparseGptRefusal() : null;
  const allocations = ALLOCATIONS.map((c) => (c.value === 'mrp' ? { ...c, disabledReason: mrpRefused } : c));
  const patterns = PATTERNS.map((c) => (c.value === 'heads' && sparseGpt ? { ...c, disabledReason: SPARSEGPT_NO_HEADS } : c));
  // Switching to SparseGPT leaves a choice it cannot take (MRP while the core refuses it, heads + channels).
  const chooseMetric = (metric: Metric) => {
    const gpt = metric === 'sparsegpt';
    setMethod({ metric, ...(gpt && method.allocation === 'mrp' && mrpWithSparseGptRefusal() ? { allocation: 'uniform' as const } : {}),
      ...(gpt && method.nm === 'heads' ? { nm: 'off' as const } : {}) });
  };

  return (
    <section className="card" aria-labelledby="method-heading">
      <h2 id="method-heading" className="card__title"><span className="step">4</span> Pruning method</h2>
      <div className="method-grid">
        <ChoiceGroup legend="Score" name="metric" testId="metric" value={method.metric} choices={METRICS} disabled={busy}
          onChange={chooseMetric} />
        <ChoiceGroup legend={nmOn ? `Allocation (${method.nm === 'heads' ? 'structured' : 'N:M'} forces uniform)` : 'Allocation across layers'} name="allocation" testId="allocation"
          value={effectiveAllocation(method)} choices={allocations} disabled={busy || nmOn}
          onChange={(allocation) => setMethod({ allocation })} />
        <ChoiceGroup legend="Pattern" name="nm" testId="nm" value={method.nm} choices={patterns} disabled={busy}
          onChange={(nm) => setMethod({ nm })} />
        {method.nm === 'heads' && <StructuredOptions method={method} heads={heads} kvHeads={kvHeads} disabled={busy} onChange={setMethod} />}
      </div>
      <div className="calib-row">
        <NumberField label="Calibration windows" value={method.calibWindows} min={1} testId="calib-windows-input" disabled={busy}
          hint={`× ${seqLen} tokens`} onChange={(calibWindows) => setMethod({ calibWindows })} />
        <div className="field">
          <span className="field__label">Calibration text</span>
          <div className="calib-source" data-testid="calib-source">
            {calibFile ? (
              <>
                <span className="textpick__name">{calibFile.name}</span>
                <span className="muted small">{formatBytes(calibFile.size)}</span>
                <button type="button" className="btn btn--ghost btn--small" disabled={busy} onClick={() => setCalibFile(null)}>Use evaluation text</button>
              </>
            ) : (
              <>
                <span className="small">
                  evaluation text after its first {evalWindows > 0 ? `${evalWindows} windows (${evalWindows * seqLen} tokens)` : 'windows'}
                </span>
                <label className="btn btn--ghost btn--small">
                  Pick…
                  <input type="file" hidden accept=".txt,.raw,.md,text/plain" data-testid="calib-file-input" disabled={busy}
                    onChange={(ev) => {
                      const file = ev.currentTarget.files?.[0] ?? null;
                      ev.currentTarget.value = '';
                      if (file) setCalibFile(file);
                    }} />
                </label>
              </>
            )}
          </div>
          <span className="field__hint">never calibrate on the windows you score</span>
        </div>
      </div>
    </section>
  );
}
