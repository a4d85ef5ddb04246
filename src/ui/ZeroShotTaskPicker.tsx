// The Zero-shot panel's task list: lm-eval's eight tasks, each with its dataset, a file input for its data (JSONL or
// Parquet in the dataset's schema) and what the page read from it: documents and SHA-256, or the core's error.
import { ZERO_SHOT_TASKS } from '../core/zeroshot/task-registry.ts';
import { TASK_NAMES, type TaskName } from '../core/zeroshot/task-definition.ts';
import { linkDataMismatch } from '../state/zero-shot-link.ts';
import { useStudio } from './studio-context.tsx';

function TaskRow({ task, disabled }: { task: TaskName; disabled: boolean }) {
  const on = useStudio((s) => s.zeroShot.settings.tasks.includes(task));
  const picked = useStudio((s) => s.zeroShot.files[task]);
  const linkHash = useStudio((s) => linkDataMismatch(s, task)?.link ?? null);
  const toggle = useStudio((s) => s.toggleZeroShotTask);
  const pick = useStudio((s) => s.pickZeroShotFile);
  const d = ZERO_SHOT_TASKS[task].dataset;
  const input = `zs-file-${task}`;
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
          {picked ? 'Change…' : 'Data file…'}
          <input type="file" hidden accept=".jsonl,.json,.parquet" disabled={disabled} data-testid={input}
            onChange={(ev) => { const f = ev.currentTarget.files?.[0]; if (f) void pick(task, f); ev.currentTarget.value = ''; }} />
        </label>
        {picked && (
          <span className="zs-task__info small" data-testid={`zs-file-info-${task}`}>
            <span className="zs-task__filename">{picked.file.name}</span>
            {picked.error ? <span className="zs-task__error" data-error-code={picked.error.code}>{picked.error.code}: {picked.error.message}</span>
              : picked.sha256 === null ? <span className="muted"> · reading…</span>
                : <span className="muted"> · {picked.documents} docs · sha256 <code title={picked.sha256}>{picked.sha256.slice(0, 12)}</code></span>}
            {linkHash && <span className="zs-task__error"> · not the link’s data (link: {linkHash.slice(0, 12)})</span>}
          </span>
        )}
      </span>
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
