// What the opened share link is, and where reproducing it stands: waiting for its model and text, running,
// reproduced, or a warning that the loaded model (or text) is not the link's. A link that could not be opened
// shows why; the settings on screen were kept.
import { methodLabel } from '../state/prune-settings.ts';
import type { SharedConfig } from '../state/share-codec.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { Hash } from './fingerprint.tsx';
import { useStudio } from './studio-context.tsx';
import './Share.css';

const pct = (v: number) => `${+(v * 100).toFixed(1)}%`;

function describe(c: SharedConfig): string {
  const parts = [
    c.vector ? `${methodLabel(c.method, true)} vector over ${c.vector.length} layers (mean ${pct(c.sparsity)})`
      : c.sparsity > 0 ? `${methodLabel(c.method)} at ${pct(c.sparsity)}` : methodLabel(c.method),
    `${c.ppl.maxWindows > 0 ? c.ppl.maxWindows : 'all'} × ${c.ppl.seqLen} evaluation windows`,
    `calibration ${c.method.calibWindows} windows`,
    `search ${c.search.method}, target ${pct(c.search.target)}, population ${c.search.population}, seed ${c.search.seed}`,
  ];
  return parts.join(' · ');
}

function Status({ link }: { link: SharedConfig }) {
  const check = useStudio((s) => s.share.modelCheck);
  const pending = useStudio((s) => s.share.pending);
  const model = useStudio((s) => (s.model.status === 'ready' ? s.model.summary : null));
  const textFile = useStudio((s) => s.text.file);
  const textHash = useStudio((s) => (s.share.textHash && s.share.textHash.file === s.text.file ? s.share.textHash.hash : null));
  const prune = useStudio((s) => s.prune.status);
  const shownSparsity = useStudio((s) => s.prune.outcome?.request.sparsity ?? null);
  const loading = useStudio((s) => s.model.status === 'loading');
  const loadHubModel = useStudio((s) => s.loadHubModel);
  const linkText = link.text;
  const hubId = link.model?.hubId;

  if (!model || !check) {
    return (
      <div className="linknote__row">
        <p className="small" data-testid="link-status">
          Settings applied. Load {link.model?.name ? <strong>{link.model.name}</strong> : 'the model'}
          {linkText ? <> and the text <strong>{linkText.name}</strong></> : null} to reproduce its numbers
          {link.sparsity > 0 ? `: the slider's ${pct(link.sparsity)} is pruned and evaluated as soon as both are loaded.` : '.'}
        </p>
        {hubId && (
          <button type="button" className="btn btn--small" data-testid="link-load-hub" disabled={loading}
            onClick={() => void loadHubModel(hubId)}>Load {hubId} from the Hub</button>
        )}
      </div>
    );
  }
  const textMismatch = linkText?.hash && textHash && linkText.hash !== textHash;
  return (
    <>
      {check.status === 'mismatch' ? (
        <div className="linknote__warn" role="alert" data-testid="link-mismatch">
          <strong>Different model.</strong> This link was made with {link.model?.name ? <strong>{link.model.name}</strong> : 'a model'}
          {' '}(fingerprint <Hash value={check.link} testId="link-fingerprint" />), but the loaded model <strong>{model.name}</strong>
          {' '}has fingerprint <Hash value={check.loaded} testId="loaded-fingerprint" />. The settings were applied; its numbers
          will not be reproduced{link.sparsity > 0 ? ', and the slider did not run by itself' : ''}.
        </div>
      ) : (
        <p className="small" data-testid="link-status">
          {check.status === 'match' ? 'The loaded model is the link’s' : 'The link names no model'}
          {link.sparsity === 0 ? '.' : pending !== null
            ? (textFile ? ': preparing…' : `: pick the text${linkText ? ` ${linkText.name}` : ''} to prune to ${pct(link.sparsity)}.`)
            : prune === 'running' ? `: pruning to ${pct(link.sparsity)}…`
              : shownSparsity === link.sparsity ? `: ${pct(link.sparsity)} pruned and evaluated (see Sparsity).` : '.'}
        </p>
      )}
      {textMismatch && (
        <div className="linknote__warn" role="alert" data-testid="link-text-mismatch">
          <strong>Different text.</strong> The link was evaluated on <strong>{linkText.name}</strong> (<Hash value={linkText.hash!} />);
          the loaded text has hash <Hash value={textHash} />, so its perplexities will differ.
        </div>
      )}
    </>
  );
}

export function LinkNotice() {
  const link = useStudio((s) => (s.share.linkIsOwn ? null : s.share.link));
  const error = useStudio((s) => s.share.linkError);
  const dismissLink = useStudio((s) => s.dismissLink);
  const dismissError = useStudio((s) => s.dismissLinkError);
  return (
    <>
      {error && (
        <div data-testid="link-error">
          <ErrorBox error={{ code: error.reason === 'version' ? 'LinkVersion' : 'BadLink', message: `${error.message} The settings on screen were kept.` }}
            title="This link could not be opened" onDismiss={dismissError} />
        </div>
      )}
      {link && (
        <section className="linknote" aria-label="Shared configuration" data-testid="link-notice">
          <div className="linknote__head">
            <span className="linknote__title">Opened a shared configuration</span>
            <button type="button" className="linknote__close" aria-label="Dismiss" onClick={dismissLink}>×</button>
          </div>
          <p className="small muted" data-testid="link-summary">{describe(link)}</p>
          {link.model && (
            <p className="small muted">
              Made with {link.model.name ?? 'a model'} <Hash value={link.model.fingerprint} />
              {link.model.hubId && <> · Hub <code>{link.model.hubId}</code></>}
              {link.text && <> · text {link.text.name}</>}
              {link.calib && <> · calibration text {link.calib.name}</>}
            </p>
          )}
          <Status link={link} />
        </section>
      )}
    </>
  );
}
