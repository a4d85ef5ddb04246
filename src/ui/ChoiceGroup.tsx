// A labelled group of radio options, each with a one-line explanation (keyboard: arrows move the choice).

export interface Choice<T extends string> { value: T; label: string; hint: string }

export function ChoiceGroup<T extends string>({ legend, name, value, choices, onChange, disabled, testId }: {
  legend: string; name: string; value: T; choices: Choice<T>[]; onChange: (v: T) => void; disabled: boolean; testId: string;
}) {
  return (
    <fieldset className="choices" data-testid={testId} disabled={disabled}>
      <legend className="field__label">{legend}</legend>
      {choices.map((c) => (
        <label key={c.value} className={`choice${c.value === value ? ' choice--on' : ''}`}>
          <input type="radio" name={name} value={c.value} checked={c.value === value} data-testid={`${testId}-${c.value.replace(':', '-')}`}
            onChange={() => onChange(c.value)} />
          <span className="choice__label">{c.label}</span>
          <span className="choice__hint">{c.hint}</span>
        </label>
      ))}
    </fieldset>
  );
}
