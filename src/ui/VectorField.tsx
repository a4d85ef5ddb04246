// An explicit per-layer allocation typed by the user ("0.2, 0.3, ..." or a JSON array): checked with the core's
// own rules (the same words as `prunelab prune --alloc`), then pruned and evaluated like the search's best
// vector applied on the slider. The slider shows the vector's mean; moving it goes back to the method.
import { useState } from 'react';
import { formatVector, parseAllocationVector } from '../state/allocation-vector.ts';
import { useStudio } from './studio-context.tsx';
import './AllocationPanels.css';

export function VectorField({ disabled }: { disabled: boolean }) {
  const layers = useStudio((s) => s.model.summary?.layers ?? 0);
  const method = useStudio((s) => s.prune.method);
  const shown = useStudio((s) => s.prune.outcome?.result.allocation ?? null);
  const applyVector = useStudio((s) => s.applyVector);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const nmOn = method.nm === '2:4' || method.nm === '4:8';

  const apply = () => {
    const parsed = parseAllocationVector(text, layers);
    if (parsed.problem !== undefined) { setProblem(parsed.problem); return; }
    setProblem(null);
    // N:M fixes every layer at 50%: a per-layer vector prunes unstructured instead (heads + channels keep theirs).
    void applyVector(parsed.vector, method.nm === 'heads' ? 'heads' : 'off', method.metric, 'explicit');
  };

  return (
    <div className="vector-field">
      <label className="field">
        <span className="field__label">Per-layer sparsity vector</span>
        <div className="vector-field__row">
          <input type="text" value={text} disabled={disabled || layers === 0} spellCheck={false} data-testid="vector-input"
            placeholder={layers > 0 ? `${layers} values in [0, 1), e.g. ${formatVector(Array(Math.min(layers, 4)).fill(0.5))}${layers > 4 ? ', …' : ''}` : 'load a model first'}
            aria-invalid={problem !== null} aria-describedby="vector-hint"
            onChange={(ev) => { setText(ev.currentTarget.value); setProblem(null); }}
            onKeyDown={(ev) => { if (ev.key === 'Enter' && !disabled) apply(); }} />
          <button type="button" className="btn" data-testid="apply-vector" disabled={disabled || layers === 0 || text.trim() === ''}
            onClick={apply}>Apply</button>
          {shown && (
            <button type="button" className="btn btn--ghost btn--small" data-testid="vector-from-shown" disabled={disabled}
              title="Copy the allocation shown below into the field to edit it" onClick={() => { setText(formatVector(shown)); setProblem(null); }}>
              Copy shown
            </button>
          )}
        </div>
        {problem !== null ? (
          <span className="vector-field__problem" role="alert" data-testid="vector-error">{problem}</span>
        ) : (
          <span className="field__hint" id="vector-hint">
            one sparsity per layer, comma-separated or JSON; replaces the allocation{nmOn ? ' and prunes unstructured' : ''} (the slider goes back to the method)
          </span>
        )}
      </label>
    </div>
  );
}
