// A labelled group of radio options, each with a one-line explanation (keyboard: arrows move the choice).

/** `disabledReason`: this one choice is unavailable (shown as its tooltip and under its hint). */
export interface Choice<T extends string> { value: T; label: string; hint: string; disabledReason?: string | null }

export function ChoiceGroup<T extends string>({ legend, name, value, choices, onChange, disabled, testId }: {
  legend: string; name: string; value: T; choices: Choice<T>[]; onChange: (v: T) => void; disabled: boolean; testId: string;
}) {
  return (
    <fieldset className="choices" data-testid={testId} disabled={disabled}>
      <legend className="field__label">{legend}</legend>
      {choices.map((c) => (
        <label key={c.value} className={`choice${c.value === value ? ' choice--on' : ''}${c.disabledReason ? ' choice--off' : ''}`}
          title={c.disabledReason ?? undefined}>
          <input type="radio" name={name} value={c.value} checked={c.value === value} data-testid={`${testId}-${c.value.replace(':', '-')}`}
            disabled={!!c.disabledReason} onChange={() => onChange(c.value)} />
          <span className="choice__label">{c.label}</span>
          <span className="choice__hint">{c.hint}{c.disabledReason && <span className="choice__why"> · not with this score</span>}</span>
        </label>
      ))}
    </fieldset>
  );
}
