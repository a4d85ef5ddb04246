// The global sparsity slider. Dragging (or holding an arrow key) only moves the local value; the store hears
// about it on release (pointer up, or a short pause after the last key), so evaluations run per release.
import { useEffect, useRef, useState } from 'react';

const KEY_COMMIT_MS = 300;
const COMMIT_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End']);
const round = (v: number) => Math.round(v * 100) / 100;

export function SparsitySlider({ value, onCommit, disabled }: { value: number; onCommit: (v: number) => void; disabled: boolean }) {
  const [draft, setDraft] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);
  // Follow the store only when it changed the value itself (a new model or text resets it): echoing our own
  // commit back would undo keys pressed while the commit was on its way.
  const committed = useRef(value);
  useEffect(() => {
    if (value !== committed.current) setDraft(value);
    committed.current = value;
  }, [value]);
  const commit = (v: number) => { committed.current = v; onCommit(v); };
  const pct = `${Math.round(draft * 100)}%`;

  return (
    <div className="slider">
      <label className="slider__label" htmlFor="sparsity-slider">Global sparsity</label>
      <input id="sparsity-slider" type="range" min={0} max={0.9} step={0.05} value={draft} disabled={disabled}
        data-testid="sparsity-slider" aria-valuetext={`${pct} of weights removed`}
        onChange={(ev) => setDraft(round(Number(ev.currentTarget.value)))}
        onPointerUp={(ev) => commit(round(Number(ev.currentTarget.value)))}
        onKeyUp={(ev) => {
          if (!COMMIT_KEYS.has(ev.key)) return;
          const v = round(Number(ev.currentTarget.value));
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => commit(v), KEY_COMMIT_MS);
        }} />
      <output className="slider__value" htmlFor="sparsity-slider" data-testid="sparsity-value">{pct}</output>
      <div className="slider__ticks" aria-hidden="true"><span>0%</span><span>45%</span><span>90%</span></div>
    </div>
  );
}
