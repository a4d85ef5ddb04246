// The Zero-shot panel's task list: lm-eval's eight tasks, each with its dataset, a file input for its data (JSONL or
// Parquet in the dataset's schema) or a Hub dataset file to fetch (progress, cancel), and what the page read from
// it: where it came from, documents and SHA-256, or the core's error; a failed fetch says why.
import type { FormEvent } from 'react';
import { ZERO_SHOT_TASKS } from '../core/zeroshot/task-registry.ts';
import { TASK_NAMES, type TaskName } from '../core/zeroshot/task-definition.ts';
import { linkDataMismatch } from '../state/zero-shot-link.ts';
import { hubRefPlaceholder } from '../state/zero-shot-hub.ts';
import type { ZeroShotFile } from '../state/zero-shot-slice.ts';
import { formatBytes, formatSeconds } from './format.ts';
import { DownloadProgress } from './HubModelForm.tsx';
import { useStudio } from './studio-context.tsx';

/** Where the data came from: the picked file's name, or the Hub reference and how it was fetched. */
function Source({ picked }: { picked: ZeroShotFile }) {
  const h = picked.hub;
  if (!h) return <span className="zs-task__filename">{picked.file.name}</span>;
  return (
    <span data-testid="zs-hub-source" data-from-cache={h.fromCache}>
      <span className="zs-task__filename" title={h.origin.url}>{h.ref}</span>
      <span className="muted"> · {h.fromCache ? 'from the Hub cache' : `fetched ${formatBytes(h.downloadedBytes)} in ${formatSeconds(h.seconds)}`}</span>
    </span>
  );
}

function TaskRow({ task, disabled }: { task: TaskName; disabled: boolean }) {
  const on = useStudio((s) => s.zeroShot.settings.tasks.includes(task));
  const picked = useStudio((s) => s.zeroShot.files[task]);
  const hub = useStudio((s) => s.zeroShot.hub[task]);
  const linkHash = useStudio((s) => linkDataMismatch(s, task)?.link ?? null);
  const toggle = useStudio((s) => s.toggleZeroShotTask);
  const pick = useStudio((s) => s.pickZeroShotFile);
  const setRef = useStudio((s) => s.setZeroShotHubRef);
  const fetchRef = useStudio((s) => s.fetchZeroShotHubData);
  const cancelFetch = useStudio((s) => s.cancelZeroShotHubData);
  const d = ZERO_SHOT_TASKS[task].dataset;
  const input = `zs-file-${task}`;
  const fetching = hub?.status === 'fetching';
  const submit = (ev: FormEvent) => { ev.preventDefault(); void fetchRef(task); };
  return (
    <li className={`zs-task${on ? ' zs-task--on' : ''}`} data-testid={`zs-task-${task}`}>
      <label className="zs-task__name">
        <input type="checkbox" checked={on} disabled={disabled} data-testid={`zs-pick-${task}`}
          onChange={(ev) => toggle(task, ev.currentTarget.checked)} />
        <code>{task}</code>
      </label>
      <span className="zs-task__dataset small muted" title="the Hugging Face dataset lm-eval reads, and its split">
        {d.path}{d.name ? ` · ${d.name}` : ''} · {d.split}
      </span>
      <span className="zs-task__file">
        <label className="btn btn--ghost btn--small" aria-disabled={disabled}>
          {picked && !picked.hub ? 'Change…' : 'Data file…'}
          <input type="file" hidden accept=".jsonl,.json,.parquet" disabled={disabled} data-testid={input}
            onChange={(ev) => { const f = ev.currentTarget.files?.[0]; if (f) void pick(task, f); ev.currentTarget.value = ''; }} />
        </label>
        <form className="zs-task__hub" onSubmit={submit}>
          <span className="muted small">or Hub</span>
          <input type="text" className="zs-task__hub-input" data-testid={`zs-hub-input-${task}`} spellCheck={false} autoComplete="off"
            aria-label={`${task}: a file of a Hugging Face dataset (owner/name@revision/path or hf://datasets/...)`}
            placeholder={hubRefPlaceholder(task)} value={hub?.input ?? ''} disabled={disabled || fetching}
            onChange={(ev) => setRef(task, ev.currentTarget.value)} />
          <button type="submit" className="btn btn--ghost btn--small" data-testid={`zs-hub-fetch-${task}`}
            disabled={disabled || fetching || !(hub?.input.trim())}>Fetch</button>
        </form>
      </span>
      {fetching && (
        <div className="zs-task__detail">
          {hub.progress ? <DownloadProgress view={hub.progress} testId={`zs-hub-progress-${task}`} onCancel={() => void cancelFetch(task)} />
            : (
              <span className="small muted" data-testid={`zs-hub-progress-${task}`}>
                contacting the Hub…{' '}
                <button type="button" className="btn btn--danger btn--small" data-testid={`zs-hub-progress-${task}-cancel`}
                  onClick={() => void cancelFetch(task)}>Cancel</button>
              </span>
            )}
        </div>
      )}
      {hub?.status === 'error' && hub.error && (
        <p className="zs-task__detail zs-task__error" role="alert" data-testid={`zs-hub-error-${task}`} data-error-code={hub.error.code}>
          {hub.error.code}: {hub.error.message}{picked ? ' (the data below is unchanged)' : ''}
        </p>
      )}
      {hub?.status === 'cancelled' && <p className="zs-task__detail small muted" data-testid={`zs-hub-cancelled-${task}`}>Fetch cancelled.</p>}
      {picked && (
        <span className="zs-task__detail zs-task__info small" data-testid={`zs-file-info-${task}`}>
          <Source picked={picked} />
          {picked.error ? <span className="zs-task__error" data-error-code={picked.error.code}> {picked.error.code}: {picked.error.message}</span>
            : picked.sha256 === null ? <span className="muted"> · reading…</span>
              : <span className="muted"> · {picked.documents} docs · sha256 <code title={picked.sha256}>{picked.sha256.slice(0, 12)}</code></span>}
          {linkHash && <span className="zs-task__error"> · not the link’s data (link: {linkHash.slice(0, 12)})</span>}
        </span>
      )}
    </li>
  );
}

export function ZeroShotTaskPicker({ disabled }: { disabled: boolean }) {
  return (
    <ul className="zs-tasks" data-testid="zs-tasks">
      {TASK_NAMES.map((t) => <TaskRow key={t} task={t} disabled={disabled} />)}
    </ul>
  );
}
