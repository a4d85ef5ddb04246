// Loading a model from the Hugging Face Hub: id + revision + Load, an "Advanced" disclosure (base URL, access
// token kept in memory only, cache switch, cache size and Clear), byte progress with rate, ETA and Cancel, and
// where the last load came from ("from cache").
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useStudio } from './studio-context.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { formatBytes, formatEta, formatSeconds } from './format.ts';
import { isGpuBusy } from '../state/studio-store.ts';
import type { HubDownloadView } from '../state/hub-slice.ts';
import './Hub.css';

export const formatRate = (bytesPerSecond: number | null) => (bytesPerSecond === null ? '… /s' : `${formatBytes(Math.round(bytesPerSecond))}/s`);

/** A download's bar: file and bytes on the left, rate and time left on the right. */
export function DownloadProgress({ view, testId, onCancel }: { view: HubDownloadView; testId: string; onCancel: () => void }) {
  return (
    <div className="hub-progress" data-testid={testId}>
      <ProgressBar fraction={view.total > 0 ? view.loaded / view.total : 0}
        left={`${view.file} · ${formatBytes(view.loaded)} of ${formatBytes(view.total)}`}
        right={`${formatRate(view.rate)} · ${formatEta(view.etaSeconds)}`} />
      <button type="button" className="btn btn--danger btn--small" data-testid={`${testId}-cancel`} onClick={onCancel}>Cancel</button>
    </div>
  );
}

export function HubModelForm() {
  const settings = useStudio((s) => s.hub.settings);
  const token = useStudio((s) => s.hub.token);
  const cache = useStudio((s) => s.hub.cache);
  const lastLoad = useStudio((s) => (s.model.status === 'ready' && s.model.hubId ? s.hub.lastLoad : null));
  const busy = useStudio((s) => s.model.status === 'loading' || isGpuBusy(s));
  const setHubSettings = useStudio((s) => s.setHubSettings);
  const setHubToken = useStudio((s) => s.setHubToken);
  const loadHubModel = useStudio((s) => s.loadHubModel);
  const refreshHubCache = useStudio((s) => s.refreshHubCache);
  const clearHubCache = useStudio((s) => s.clearHubCache);
  const [id, setId] = useState('');
  const [revision, setRevision] = useState('main');
  const [open, setOpen] = useState(false);
  const uid = useId();

  useEffect(() => { if (open) void refreshHubCache(); }, [open, refreshHubCache]);

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (!busy && id.trim()) void loadHubModel(id, revision);
  };

  return (
    <div className="hub" data-testid="hub-form">
      <div className="hub__divider"><span>or from the Hugging Face Hub</span></div>
      <form className="hub__row" onSubmit={submit}>
        <label className="field hub__id" htmlFor={`${uid}-id`}>
          <span className="field__label">Hugging Face model id</span>
          <input id={`${uid}-id`} data-testid="hub-id-input" placeholder="owner/name, e.g. HuggingFaceTB/SmolLM2-135M" value={id}
            spellCheck={false} autoCapitalize="off" autoComplete="off" onChange={(e) => setId(e.currentTarget.value)} />
        </label>
        <label className="field hub__rev" htmlFor={`${uid}-rev`}>
          <span className="field__label">Revision</span>
          <input id={`${uid}-rev`} data-testid="hub-revision-input" value={revision} spellCheck={false} autoComplete="off"
            onChange={(e) => setRevision(e.currentTarget.value)} />
        </label>
        <button type="submit" className="btn btn--primary hub__load" data-testid="hub-load" disabled={busy || !id.trim()}>Load</button>
      </form>

      <details className="hub__advanced" data-testid="hub-advanced" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>Advanced: Hub URL, access token, cache</summary>
        <div className="hub__advanced-body">
          <label className="field" htmlFor={`${uid}-base`}>
            <span className="field__label">Hub base URL</span>
            <input id={`${uid}-base`} data-testid="hub-base-input" value={settings.base} spellCheck={false} autoComplete="off"
              onChange={(e) => setHubSettings({ base: e.currentTarget.value })} />
            <span className="field__hint">files come from {'{base}/{id}/resolve/{revision}/{file}'}; a mirror must allow cross-origin requests</span>
          </label>
          <label className="field" htmlFor={`${uid}-token`}>
            <span className="field__label">Access token (gated or private models)</span>
            <input id={`${uid}-token`} data-testid="hub-token-input" type="password" value={token} autoComplete="off" spellCheck={false}
              placeholder="hf_…" onChange={(e) => setHubToken(e.currentTarget.value)} />
            <span className="field__hint">kept in this tab's memory only; sent only as the Authorization header, never saved or put in a link</span>
          </label>
          <div className="hub__cache">
            <label className="check">
              <input type="checkbox" data-testid="hub-use-cache" checked={settings.useCache}
                onChange={(e) => setHubSettings({ useCache: e.currentTarget.checked })} />
              Keep downloads in the browser cache
            </label>
            <span className="muted small" data-testid="hub-cache-info">
              {cache ? `${cache.files} file${cache.files === 1 ? '' : 's'} · ${formatBytes(cache.bytes)} cached` : ''}
            </span>
            <button type="button" className="btn btn--ghost btn--small" data-testid="hub-clear-cache" disabled={busy || cache?.files === 0}
              onClick={() => void clearHubCache()}>Clear cache</button>
          </div>
        </div>
      </details>

      {lastLoad && (
        <p className="hub__result small" data-testid="hub-result" data-from-cache={lastLoad.fromCache}>
          <strong>{lastLoad.label}</strong>{' '}
          {lastLoad.fromCache
            ? <>from cache · {lastLoad.files.length} files · {formatBytes(lastLoad.bytes)} read in {formatSeconds(lastLoad.seconds)}</>
            : <>downloaded {formatBytes(lastLoad.downloadedBytes)} in {formatSeconds(lastLoad.seconds)}
              {' '}({formatRate(lastLoad.downloadedBytes / Math.max(lastLoad.seconds, 1e-3))})
              {lastLoad.files.some((f) => f.fromCache) ? ` · ${lastLoad.files.filter((f) => f.fromCache).length} of ${lastLoad.files.length} files from cache` : ` · ${lastLoad.files.length} files`}</>}
        </p>
      )}
    </div>
  );
}
