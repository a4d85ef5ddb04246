// A small row of mutually exclusive options drawn as joined buttons (radio inputs underneath, so arrow keys
// move the choice and screen readers announce a radio group).

export function SegmentedControl<T extends string>({ label, name, value, options, onChange, disabled, testId }: {
  label: string; name: string; value: T; options: Array<{ value: T; label: string; title?: string }>;
  onChange: (v: T) => void; disabled?: boolean; testId: string;
}) {
  return (
    <div className="segmented" role="radiogroup" aria-label={label} data-testid={testId}>
      {options.map((o) => (
        <label key={o.value} className={`segmented__option${o.value === value ? ' segmented__option--on' : ''}`} title={o.title}>
          <input type="radio" name={name} value={o.value} checked={o.value === value} disabled={disabled}
            data-testid={`${testId}-${o.value}`} onChange={() => onChange(o.value)} />
          {o.label}
        </label>
      ))}
    </div>
  );
}
