// "Copy link": writes a URL that reproduces the whole configuration to the clipboard and shows it, selectable,
// in a small panel (the clipboard may be unavailable: insecure context, permissions, an embedded browser).
import { useEffect, useRef, useState } from 'react';
import { useStudio } from './studio-context.tsx';
import './Share.css';

type CopyState = { kind: 'copied' | 'manual'; url: string } | { kind: 'invalid'; message: string };

function LinkIcon() {
  return (
    <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden className="share__icon">
      <path d="M8.5 11.5a3.5 3.5 0 0 0 5 0l2.5-2.5a3.5 3.5 0 0 0-5-5l-1 1" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      <path d="M11.5 8.5a3.5 3.5 0 0 0-5 0L4 11a3.5 3.5 0 0 0 5 5l1-1" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
    </svg>
  );
}

export function ShareButton() {
  const shareLink = useStudio((s) => s.shareLink);
  const [state, setState] = useState<CopyState | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const urlInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!state) return;
    const onKey = (ev: KeyboardEvent) => { if (ev.key === 'Escape') setState(null); };
    const onDown = (ev: PointerEvent) => { if (box.current && !box.current.contains(ev.target as Node)) setState(null); };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onDown);
    return () => { document.removeEventListener('keydown', onKey); document.removeEventListener('pointerdown', onDown); };
  }, [state]);

  useEffect(() => { if (state?.kind === 'manual') urlInput.current?.select(); }, [state]);

  const copy = async () => {
    const link = shareLink(window.location.href);
    if (!link.ok) return setState({ kind: 'invalid', message: link.message });
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(link.url);
      setState({ kind: 'copied', url: link.url });
    } catch {
      setState({ kind: 'manual', url: link.url });
    }
  };

  return (
    <div className="share" ref={box}>
      <button type="button" className="btn btn--ghost share__button" data-testid="copy-link" aria-expanded={state !== null}
        onClick={() => void copy()}>
        <LinkIcon /> Copy link
      </button>
      {state && (
        <div className="share__panel" role="dialog" aria-label="Link to this configuration" data-testid="share-panel">
          <div className="share__head">
            <span className="share__title">Link to this configuration</span>
            <button type="button" className="share__close" aria-label="Close" onClick={() => setState(null)}>×</button>
          </div>
          {state.kind === 'invalid' ? (
            <p className="share__problem" data-testid="share-problem">{state.message}</p>
          ) : (
            <>
              <input ref={urlInput} className="share__url" readOnly value={state.url} data-testid="share-url" aria-label="Link"
                onFocus={(ev) => ev.currentTarget.select()} />
              <p className={`small ${state.kind === 'copied' ? 'share__ok' : 'muted'}`} data-testid="share-status">
                {state.kind === 'copied' ? 'Copied to the clipboard.' : 'The clipboard is not available here: the link is selected, copy it with Ctrl+C.'}
              </p>
            </>
          )}
          <p className="small muted">
            Carries every panel&apos;s settings, the slider&apos;s sparsity and the model and text fingerprints, never the
            LLM API key. Opening it applies the settings and, once the same model and text are loaded, prunes and evaluates again.
          </p>
        </div>
      )}
    </div>
  );
}
