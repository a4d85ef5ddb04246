// A labelled whole-number input with a hint line; an empty box reads as NaN so validation can name it.

export function NumberField({ label, value, onChange, min, max, testId, hint, disabled }: {
  label: string; value: number; onChange: (v: number) => void; min: number; max?: number; testId: string; hint: string;
  disabled: boolean;
}) {
  return (
    <label className="field">
      <span className="field__label">{label}</span>
      <input type="number" inputMode="numeric" min={min} max={max} step={1} data-testid={testId} disabled={disabled}
        value={Number.isNaN(value) ? '' : value}
        onChange={(ev) => onChange(ev.currentTarget.value === '' ? Number.NaN : Number(ev.currentTarget.value))} />
      <span className="field__hint">{hint}</span>
    </label>
  );
}
