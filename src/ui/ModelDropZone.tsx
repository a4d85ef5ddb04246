// Where a model comes in: drop a folder or files, pick them, or load a Hub id; shows loading progress and load errors.
import { useRef, useState, type DragEvent } from 'react';
import { useStudio } from './studio-context.tsx';
import { droppedEntries, filesFromEntries, filesFromInput } from './dropped-files.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { DownloadProgress, HubModelForm } from './HubModelForm.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { isGpuBusy } from '../state/studio-store.ts';

const folderAttrs = { webkitdirectory: '', directory: '' } as Record<string, string>;

export function ModelDropZone() {
  const model = useStudio((s) => s.model);
  const busy = useStudio((s) => s.model.status === 'loading' || isGpuBusy(s));
  const loadModelFiles = useStudio((s) => s.loadModelFiles);
  const dismiss = useStudio((s) => s.dismissModelError);
  const download = useStudio((s) => (s.model.status === 'loading' ? s.hub.download : null));
  const cancelDownload = useStudio((s) => s.cancelHubDownload);
  const [over, setOver] = useState(false);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const onDrop = (ev: DragEvent) => {
    ev.preventDefault();
    setOver(false);
    if (busy) return;
    const entries = droppedEntries(ev.dataTransfer);
    const plain = Array.from(ev.dataTransfer.files);
    void (async () => {
      const { files, label } = entries.length > 0 ? await filesFromEntries(entries) : { files: plain, label: undefined };
      if (files.length > 0) await loadModelFiles(files, label);
    })();
  };

  const onPicked = (input: HTMLInputElement | null) => {
    if (!input?.files || input.files.length === 0) return;
    const { files, label } = filesFromInput(input.files);
    input.value = '';
    void loadModelFiles(files, label);
  };

  return (
    <section className="card" aria-labelledby="model-heading">
      <h2 id="model-heading" className="card__title"><span className="step">1</span> Model</h2>
      <div
        className={`dropzone${over ? ' dropzone--over' : ''}${busy ? ' dropzone--busy' : ''}`}
        data-testid="drop-zone"
        onDragOver={(ev) => { ev.preventDefault(); ev.dataTransfer.dropEffect = busy ? 'none' : 'copy'; setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p className="dropzone__lead">Drop a model folder or files here</p>
        <p className="dropzone__hint">
          Hugging Face folder (config.json, *.safetensors, tokenizer.json) · llama2.c <code>.bin</code> + tokenizer <code>.bin</code> · GGUF
        </p>
        <div className="dropzone__buttons">
          <button type="button" className="btn" disabled={busy} onClick={() => folderInput.current?.click()}>Pick folder…</button>
          <button type="button" className="btn btn--ghost" disabled={busy} onClick={() => filesInput.current?.click()}>Pick files…</button>
        </div>
        <input ref={filesInput} type="file" multiple hidden data-testid="model-file-input"
          onChange={(ev) => onPicked(ev.currentTarget)} />
        <input ref={folderInput} type="file" multiple hidden data-testid="model-folder-input" {...folderAttrs}
          onChange={(ev) => onPicked(ev.currentTarget)} />
      </div>
      <HubModelForm />
      {model.status === 'loading' && download && (
        <div className="loading" data-testid="model-loading">
          <DownloadProgress view={download} testId="hub-progress" onCancel={() => void cancelDownload()} />
        </div>
      )}
      {model.status === 'loading' && !download && model.progress && (
        <div className="loading" data-testid="model-loading">
          <ProgressBar fraction={model.progress.fraction} left={`${model.progress.label}…`}
            right={model.sourceLabel ?? undefined} />
        </div>
      )}
      {model.status === 'error' && model.error && (
        <ErrorBox error={model.error} title={`Could not load ${model.sourceLabel ?? 'the model'}`} onDismiss={dismiss} />
      )}
    </section>
  );
}
