// The evaluation text's other sources, under the file picker: WikiText-2 test fetched from a Hub dataset repo
// (dataset, file and revision editable; the base URL is the model card's), and pasted text.
import { useId, useState } from 'react';
import { useStudio } from './studio-context.tsx';
import { ErrorBox } from './ErrorBox.tsx';
import { DownloadProgress, formatRate } from './HubModelForm.tsx';
import { formatBytes, formatSeconds } from './format.ts';
import './Hub.css';

export function HubTextSource() {
  const settings = useStudio((s) => s.hub.settings);
  const hubText = useStudio((s) => s.hub.text);
  const current = useStudio((s) => s.text.file !== null && s.text.file === s.hub.text.file);
  const running = useStudio((s) => s.ppl.status === 'running');
  const setHubSettings = useStudio((s) => s.setHubSettings);
  const loadHubText = useStudio((s) => s.loadHubText);
  const cancel = useStudio((s) => s.cancelHubText);
  const dismiss = useStudio((s) => s.dismissHubTextError);
  const usePastedText = useStudio((s) => s.usePastedText);
  const [pasted, setPasted] = useState('');
  const uid = useId();
  const downloading = hubText.status === 'downloading';
  const r = hubText.result;

  return (
    <div className="textsrc">
      <div className="textsrc__row">
        <button type="button" className="btn btn--ghost" data-testid="hub-text-load" disabled={running || downloading}
          onClick={() => void loadHubText()}>WikiText-2 test from the Hub</button>
        {current && r && (
          <span className="textsrc__note muted small" data-testid="hub-text-result" data-from-cache={r.fromCache}>
            {r.label} · {r.url.split('/').pop()}{r.gzip ? ` (${formatBytes(r.fileBytes)} gzip)` : ''} ·{' '}
            {r.fromCache ? 'from cache' : `downloaded in ${formatSeconds(r.seconds)} (${formatRate(r.downloadedBytes / Math.max(r.seconds, 1e-3))})`}
          </span>
        )}
      </div>
      {downloading && hubText.progress && <DownloadProgress view={hubText.progress} testId="hub-text-progress" onCancel={() => void cancel()} />}
      {hubText.status === 'error' && hubText.error && (
        <ErrorBox error={hubText.error} title="Could not fetch the text" onDismiss={dismiss} />
      )}
      <details className="textsrc__more">
        <summary data-testid="hub-text-source-toggle">Hub text source</summary>
        <div className="textsrc__more-body">
          <div className="textsrc__fields">
            <label className="field" htmlFor={`${uid}-ds`}>
              <span className="field__label">Dataset id</span>
              <input id={`${uid}-ds`} data-testid="hub-dataset-input" value={settings.dataset} spellCheck={false} autoComplete="off"
                onChange={(e) => setHubSettings({ dataset: e.currentTarget.value })} />
            </label>
            <label className="field" htmlFor={`${uid}-file`}>
              <span className="field__label">File (raw text or .gz)</span>
              <input id={`${uid}-file`} data-testid="hub-dataset-file-input" value={settings.datasetFile} spellCheck={false} autoComplete="off"
                onChange={(e) => setHubSettings({ datasetFile: e.currentTarget.value })} />
            </label>
            <label className="field" htmlFor={`${uid}-dsrev`}>
              <span className="field__label">Revision</span>
              <input id={`${uid}-dsrev`} data-testid="hub-dataset-revision-input" value={settings.datasetRevision} spellCheck={false}
                autoComplete="off" onChange={(e) => setHubSettings({ datasetRevision: e.currentTarget.value })} />
            </label>
          </div>
          <span className="field__hint">
            from {settings.base}/datasets/{'{dataset}'}/resolve/{'{revision}'}/{'{file}'} (the Hub URL is set in the model card);
            parquet files are not read: point at a raw text file
          </span>
        </div>
      </details>
      <details className="textsrc__more">
        <summary data-testid="paste-text-toggle">or paste text</summary>
        <div className="textsrc__more-body textsrc__paste">
          <label className="field" htmlFor={`${uid}-paste`}>
            <span className="field__label">Evaluation text</span>
            <textarea id={`${uid}-paste`} data-testid="paste-text-input" value={pasted} rows={5} spellCheck={false}
              placeholder="Paste the text to evaluate perplexity on" onChange={(e) => setPasted(e.currentTarget.value)} />
          </label>
          <div className="textsrc__paste-actions">
            <span className="muted small">{pasted.length.toLocaleString('en-US')} characters</span>
            <button type="button" className="btn" data-testid="paste-text-use" disabled={running || pasted.trim().length === 0}
              onClick={() => usePastedText(pasted)}>Use pasted text</button>
          </div>
        </div>
      </details>
    </div>
  );
}
