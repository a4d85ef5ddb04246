// The evaluation text: a plain-text file (e.g. a WikiText-2 or TinyStories split), picked or dropped; below it
// the other sources (WikiText-2 from the Hub, pasted text).
import { useRef, useState } from 'react';
import { useStudio } from './studio-context.tsx';
import { formatBytes } from './format.ts';
import { HubTextSource } from './HubTextSource.tsx';

export function TextPicker() {
  const text = useStudio((s) => s.text);
  const running = useStudio((s) => s.ppl.status === 'running');
  const setTextFile = useStudio((s) => s.setTextFile);
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  return (
    <>
    <div
      className={`textpick${over ? ' textpick--over' : ''}`}
      onDragOver={(ev) => { ev.preventDefault(); setOver(true); }}
      onDragLeave={() => setOver(false)}
      onDrop={(ev) => {
        ev.preventDefault();
        setOver(false);
        const file = ev.dataTransfer.files[0];
        if (file && !running) setTextFile(file);
      }}
    >
      <div className="textpick__info" data-testid="text-info">
        {text.file ? (
          <>
            <span className="textpick__name">{text.name}</span>
            <span className="muted small">{formatBytes(text.bytes)}</span>
          </>
        ) : (
          <span className="muted">No evaluation text yet. Pick or drop a <code>.txt</code> file, fetch one, or paste text.</span>
        )}
      </div>
      <button type="button" className="btn btn--ghost" disabled={running} onClick={() => input.current?.click()}>
        {text.file ? 'Change text…' : 'Pick text…'}
      </button>
      <input ref={input} type="file" hidden accept=".txt,.raw,.md,text/plain" data-testid="text-file-input"
        onChange={(ev) => {
          const file = ev.currentTarget.files?.[0] ?? null;
          ev.currentTarget.value = '';
          if (file) setTextFile(file);
        }} />
    </div>
    <HubTextSource />
    </>
  );
}
