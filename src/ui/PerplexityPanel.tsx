// Dense perplexity: settings, run/cancel, live progress with ETA, and the result with its protocol.
import { useStudio } from './studio-context.tsx';
import { ErrorBox } from './ErrorBox.tsx';
import { NumberField } from './NumberField.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { TextPicker } from './TextPicker.tsx';
import { formatEta, formatSeconds } from './format.ts';
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import { isGpuBusy } from '../state/studio-store.ts';
import './PerplexityPanel.css';

function Result({ report }: { report: PerplexityReport }) {
  return (
    <div className="result" data-testid="ppl-result">
      <div className="result__main">
        <span className="result__label">Perplexity</span>
        <span className="result__value" data-testid="ppl-value">{report.ppl.toFixed(4)}</span>
      </div>
      <dl className="facts facts--compact">
        <div className="facts__item"><dt>Mean NLL</dt><dd data-testid="ppl-nll">{report.nll.toFixed(5)} nats</dd></div>
        <div className="facts__item"><dt>Predicted tokens</dt><dd data-testid="ppl-tokens">{report.tokens.toLocaleString('en-US')}</dd></div>
        <div className="facts__item"><dt>Windows</dt><dd data-testid="ppl-windows">{report.windows} × {report.seqLen}</dd></div>
        <div className="facts__item"><dt>Throughput</dt><dd data-testid="ppl-tps">{report.tokensPerSecond.toFixed(0)} tok/s</dd></div>
        <div className="facts__item"><dt>Time</dt><dd data-testid="ppl-seconds">{formatSeconds(report.seconds)}</dd></div>
        <div className="facts__item"><dt>BOS added</dt><dd>{report.protocol.addBos ? 'yes' : 'no'}</dd></div>
      </dl>
      <p className="protocol small muted" data-testid="ppl-protocol">
        text <code title={report.protocol.textHash}>{report.protocol.textHash.slice(0, 12)}</code>
        {' '}({report.protocol.textTokens.toLocaleString('en-US')} tokens) · model{' '}
        <code title={report.protocol.modelHash}>{report.protocol.modelHash.slice(0, 12)}</code>
        {' '}· {report.adapter.vendor} {report.adapter.architecture}{report.adapter.isFallback ? ' (fallback)' : ''}
        {' '}· Prunelab {report.protocol.prunelabVersion}
      </p>
    </div>
  );
}

export function PerplexityPanel() {
  const ppl = useStudio((s) => s.ppl);
  const ready = useStudio((s) => s.gpu.status === 'ready' && s.model.status === 'ready' && !!s.text.file);
  const gpuBusy = useStudio(isGpuBusy);
  const maxPositions = useStudio((s) => s.model.summary?.maxPositions);
  const setSettings = useStudio((s) => s.setSettings);
  const runPerplexity = useStudio((s) => s.runPerplexity);
  const cancelPerplexity = useStudio((s) => s.cancelPerplexity);
  const dismissPerplexityError = useStudio((s) => s.dismissPerplexityError);
  const running = ppl.status === 'running';

  return (
    <section className="card" aria-labelledby="ppl-heading">
      <h2 id="ppl-heading" className="card__title"><span className="step">2</span> Dense perplexity</h2>
      <TextPicker />
      <div className="ppl-controls">
        <NumberField label="Sequence length" value={ppl.settings.seqLen} min={2} max={maxPositions} testId="seq-len-input" disabled={running}
          hint="tokens per window" onChange={(seqLen) => setSettings({ seqLen })} />
        <NumberField label="Max windows" value={ppl.settings.maxWindows} min={0} testId="max-windows-input" disabled={running}
          hint="0 = whole text" onChange={(maxWindows) => setSettings({ maxWindows })} />
        <div className="ppl-controls__buttons">
          {running ? (
            <button type="button" className="btn btn--danger" data-testid="cancel-ppl" onClick={() => void cancelPerplexity()}>Cancel</button>
          ) : (
            <button type="button" className="btn btn--primary" data-testid="run-ppl" disabled={!ready || gpuBusy}
              onClick={() => void runPerplexity()}>Run</button>
          )}
        </div>
      </div>
      {running && (
        <ProgressBar testId="ppl-progress" fraction={ppl.total > 0 ? ppl.done / ppl.total : 0}
          left={ppl.total > 0 ? `${ppl.done} / ${ppl.total} windows` : 'Tokenizing and compiling kernels…'}
          right={ppl.total > 0 ? formatEta(ppl.etaSeconds) : undefined} />
      )}
      {ppl.status === 'cancelled' && (
        <p className="notice-inline" data-testid="ppl-cancelled">Cancelled after {ppl.done} of {ppl.total} windows.</p>
      )}
      {ppl.status === 'error' && ppl.error && (
        <ErrorBox error={ppl.error} title="Perplexity evaluation failed" onDismiss={dismissPerplexityError} />
      )}
      {ppl.status === 'done' && ppl.report && <Result report={ppl.report} />}
      {ppl.status === 'idle' && !ready && (
        <p className="muted small" data-testid="ppl-hint">Load a model and pick a text to evaluate.</p>
      )}
    </section>
  );
}
