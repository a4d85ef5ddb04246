// Dense vs pruned, side by side: the Generate panel's prompt and steps decoded greedily by the dense model and
// by the model as the slider last pruned it. Tokens from the first divergence on are highlighted in both
// columns. Runs on demand: moving the slider only marks the pair as made with another pruning.
import { missingForPruning } from '../state/job-slice.ts';
import { firstDivergence, sliderPruning } from '../state/preview-slice.ts';
import { isGpuBusy } from '../state/studio-store.ts';
import type { GenerationResult } from '../worker/api.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { useStudio } from './studio-context.tsx';
import './GeneratePanel.css';
import './TextPreviewPanel.css';

/** The text before token `at` and each token from there on (by decoded pieces when they add up to the text). */
function splitAt(r: GenerationResult, at: number | null): { before: string; tokens: string[] } {
  if (at === null) return { before: r.text, tokens: [] };
  const pieces = r.pieces ?? [];
  if (pieces.length === r.tokens && pieces.join('') === r.text) return { before: pieces.slice(0, at).join(''), tokens: pieces.slice(at) };
  return { before: r.text, tokens: [] }; // pieces that do not add up (split UTF-8): no per-token marks
}

function Column({ title, testId, prompt, result, at }: {
  title: string; testId: string; prompt: string; result: GenerationResult | null; at: number | null;
}) {
  const split = result ? splitAt(result, at) : null;
  return (
    <div className="preview__column" data-testid={testId}>
      <div className="preview__head">
        <span className="preview__title" data-testid={`${testId}-title`}>{title}</span>
        {result && <span className="small muted">{result.tokens} tokens · {result.tokensPerSecond.toFixed(1)} tok/s</span>}
      </div>
      <pre className="generation__text preview__text">
        {prompt && <span className="generation__prompt">{prompt}</span>}
        {split ? (
          <span data-testid={`${testId}-text`}>
            {split.before}
            {split.tokens.map((t, i) => (
              <mark key={i} className="preview__diff" data-testid={`${testId}-diff`} title={`token ${at! + i + 1}`}>{t}</mark>
            ))}
          </span>
        ) : <span className="muted">…</span>}
      </pre>
    </div>
  );
}

export function TextPreviewPanel() {
  const preview = useStudio((s) => s.preview);
  const missing = useStudio(missingForPruning);
  const ready = missing === null;
  const busy = useStudio(isGpuBusy);
  const current = useStudio((s) => sliderPruning(s).label);
  const currentKey = useStudio((s) => sliderPruning(s).key);
  const settings = useStudio((s) => s.gen.settings);
  const runPreview = useStudio((s) => s.runPreview);
  const cancelPreview = useStudio((s) => s.cancelPreview);
  const dismiss = useStudio((s) => s.dismissPreviewError);
  const running = preview.status === 'running';
  const shown = preview.dense !== null;
  const at = preview.dense && preview.pruned ? firstDivergence(preview.dense.ids ?? [], preview.pruned.ids ?? []) : null;
  const stale = shown && !running && (preview.pruneKey !== currentKey || preview.prompt !== settings.prompt || preview.steps !== settings.steps);

  return (
    <section className="card preview" aria-labelledby="preview-heading">
      <div className="card__titlebar">
        <h2 id="preview-heading" className="card__title"><span className="step" aria-hidden>⇆</span> Dense vs pruned text</h2>
        <span className="muted small">greedy, the Generate panel’s prompt and {settings.steps} steps</span>
      </div>
      <div className="preview__controls">
        <p className="small preview__target">
          pruned with the slider’s setting: <strong data-testid="preview-current">{current}</strong>
        </p>
        {running ? (
          <button type="button" className="btn btn--danger" data-testid="cancel-preview" onClick={() => void cancelPreview()}>Cancel</button>
        ) : (
          <button type="button" className={`btn${stale || !shown ? ' btn--primary' : ''}`} data-testid="run-preview" disabled={!ready || busy}
            onClick={() => void runPreview()}>{shown ? 'Regenerate' : 'Generate both'}</button>
        )}
      </div>
      {running && (
        <ProgressBar testId="preview-progress" fraction={preview.total > 0 ? preview.done / preview.total : 0}
          left={preview.phase === 'pruned' && preview.total === 0 ? 'pruning…' : `${preview.phase}: ${preview.done} / ${preview.total} steps`} />
      )}
      {stale && (
        <p className="notice-inline" data-testid="preview-stale">
          Shown for {preview.prunedLabel}{preview.prompt !== settings.prompt || preview.steps !== settings.steps ? ' and another prompt or steps' : ''}: press Regenerate to update.
        </p>
      )}
      {preview.status === 'cancelled' && <p className="notice-inline" data-testid="preview-cancelled">Cancelled.</p>}
      {preview.status === 'error' && preview.error && <ErrorBox error={preview.error} title="Preview failed" onDismiss={dismiss} />}
      {shown && (
        <>
          <div className="preview__columns">
            <Column title="dense" testId="preview-dense" prompt={preview.prompt} result={preview.dense} at={at} />
            <Column title={`pruned: ${preview.prunedLabel}`} testId="preview-pruned" prompt={preview.prompt} result={preview.pruned} at={at} />
          </div>
          {preview.pruned && (
            <p className="small muted" data-testid="preview-divergence">
              {at === null ? 'Identical: the pruned model picks the same token at every step.'
                : `The texts agree for ${at} token${at === 1 ? '' : 's'}; highlighted: every token from the first divergence on.`}
            </p>
          )}
        </>
      )}
      {!shown && !running && preview.status !== 'error' && (
        <p className="muted small">{missing === null ? 'Release the slider at a sparsity, then generate: the same prompt decoded by the dense and the pruned model.'
          : `${missing} (The pruned model is calibrated on the text.)`}</p>
      )}
    </section>
  );
}
