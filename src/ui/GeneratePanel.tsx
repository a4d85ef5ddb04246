// Greedy generation: an optional prompt, a number of steps, live progress with Cancel, and the text.
import { useStudio } from './studio-context.tsx';
import { ErrorBox } from './ErrorBox.tsx';
import { NumberField } from './NumberField.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { formatEta, formatSeconds } from './format.ts';
import type { GenerationResult } from '../worker/api.ts';
import { isGpuBusy } from '../state/studio-store.ts';
import './GeneratePanel.css';

function Generated({ prompt, result }: { prompt: string; result: GenerationResult }) {
  return (
    <div className="generation" data-testid="gen-result">
      {/* The prompt is echoed in its own span so the generated text can be read (and copied) on its own. */}
      <pre className="generation__text">
        {prompt && <span className="generation__prompt" data-testid="gen-prompt-echo">{prompt}</span>}
        <span data-testid="gen-text">{result.text}</span>
      </pre>
      <dl className="facts facts--compact">
        <div className="facts__item"><dt>Tokens</dt><dd data-testid="gen-tokens">{result.tokens}</dd></div>
        <div className="facts__item"><dt>Throughput</dt><dd data-testid="gen-tps">{result.tokensPerSecond.toFixed(1)} tok/s</dd></div>
        <div className="facts__item"><dt>Time</dt><dd data-testid="gen-seconds">{formatSeconds(result.seconds)}</dd></div>
      </dl>
    </div>
  );
}

export function GeneratePanel() {
  const gen = useStudio((s) => s.gen);
  const ready = useStudio((s) => s.gpu.status === 'ready' && s.model.status === 'ready');
  const gpuBusy = useStudio(isGpuBusy);
  const maxPositions = useStudio((s) => s.model.summary?.maxPositions);
  const setSettings = useStudio((s) => s.setGenerateSettings);
  const runGeneration = useStudio((s) => s.runGeneration);
  const cancelGeneration = useStudio((s) => s.cancelGeneration);
  const dismissError = useStudio((s) => s.dismissGenerateError);
  const running = gen.status === 'running';

  return (
    <section className="card" aria-labelledby="gen-heading">
      <h2 id="gen-heading" className="card__title"><span className="step">3</span> Generate</h2>
      <label className="field">
        <span className="field__label">Prompt</span>
        <textarea rows={2} data-testid="gen-prompt-input" disabled={running} value={gen.settings.prompt}
          placeholder="Empty: start from BOS" spellCheck={false}
          onChange={(ev) => setSettings({ prompt: ev.currentTarget.value })}
          onKeyDown={(ev) => {
            if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && ready && !gpuBusy) void runGeneration();
          }} />
      </label>
      <div className="gen-controls">
        <NumberField label="Steps" value={gen.settings.steps} min={2} max={maxPositions} testId="gen-steps-input"
          disabled={running} hint="positions, BOS and prompt included" onChange={(steps) => setSettings({ steps })} />
        <div className="gen-controls__buttons">
          {running ? (
            <button type="button" className="btn btn--danger" data-testid="cancel-gen" onClick={() => void cancelGeneration()}>Cancel</button>
          ) : (
            <button type="button" className="btn btn--primary" data-testid="run-gen" disabled={!ready || gpuBusy}
              onClick={() => void runGeneration()}>Generate</button>
          )}
        </div>
      </div>
      <p className="muted small">Greedy decoding (always the most likely token); stops early at BOS or EOS.</p>
      {running && (
        <ProgressBar testId="gen-progress" fraction={gen.total > 0 ? gen.done / gen.total : 0}
          left={`${gen.done} / ${gen.total} steps`} right={formatEta(gen.etaSeconds)} />
      )}
      {gen.status === 'cancelled' && (
        <p className="notice-inline" data-testid="gen-cancelled">Cancelled after {gen.done} of {gen.total} steps.</p>
      )}
      {gen.status === 'error' && gen.error && (
        <ErrorBox error={gen.error} title="Generation failed" onDismiss={dismissError} />
      )}
      {gen.status === 'done' && gen.result && <Generated prompt={gen.prompt} result={gen.result} />}
      {gen.status === 'idle' && !ready && (
        <p className="muted small" data-testid="gen-hint">Load a model to generate text.</p>
      )}
    </section>
  );
}
