// Heads + channels only: which structured score ranks heads and channels (Wanda-sp, magnitude-sp, FLAP), whether
// whole kv-groups go, and FLAP's bias compensation.
import type { MethodSettings } from '../state/prune-settings.ts';
import { kvGroupsApply } from '../state/prune-settings.ts';
import { ChoiceGroup } from './ChoiceGroup.tsx';

type StructuredScore = 'wanda-sp' | 'magnitude-sp' | 'flap';

const SCORES = [
  { value: 'wanda-sp' as StructuredScore, label: 'Wanda-sp', hint: 'mean |W| · ‖X‖ over the output rows of a head’s / channel’s input columns' },
  { value: 'magnitude-sp' as StructuredScore, label: 'Magnitude-sp', hint: 'L2 norm of the columns; no calibration statistics' },
  { value: 'flap' as StructuredScore, label: 'FLAP',
    hint: 'fluctuation: variance of the input over calibration tokens · ‖W column‖² (An et al. 2024)' },
];

export const scoreOf = (m: MethodSettings): StructuredScore => (m.flap ? 'flap' : m.metric === 'magnitude' ? 'magnitude-sp' : 'wanda-sp');

/** The settings a score choice stands for (FLAP keeps the metric; Wanda-sp / magnitude-sp set it). */
function settingsFor(score: StructuredScore): Partial<MethodSettings> {
  if (score === 'flap') return { flap: true };
  return { flap: false, metric: score === 'wanda-sp' ? 'wanda' : 'magnitude' };
}

export function StructuredOptions({ method, heads, kvHeads, disabled, onChange }: {
  method: MethodSettings; heads: number | null; kvHeads: number | null; disabled: boolean;
  onChange: (m: Partial<MethodSettings>) => void;
}) {
  const grouped = heads !== null && kvHeads !== null && kvGroupsApply(heads, kvHeads);
  const kvWhy = heads === null ? 'load a model first'
    : grouped ? null : `every query head has its own kv head here (${heads} heads, ${kvHeads} kv heads)`;
  return (
    <div className="structured" data-testid="structured-options">
      <ChoiceGroup legend="Structured score" name="structured" testId="structured" value={scoreOf(method)} choices={SCORES}
        disabled={disabled} onChange={(score) => onChange(settingsFor(score))} />
      <label className="check" title={kvWhy ?? undefined}>
        <input type="checkbox" data-testid="kv-groups" checked={grouped && method.kvGroups === true} disabled={disabled || !grouped}
          onChange={(e) => onChange({ kvGroups: e.currentTarget.checked })} />
        Remove whole kv-groups
      </label>
      <span className="field__hint">
        a kv-group = its k/v heads and every query head that reads them; needed past heads − kv_heads removed per layer
        {kvWhy ? ` · ${kvWhy}` : ''}
      </span>
      {method.flap && (
        <>
          <label className="check">
            <input type="checkbox" data-testid="bias-compensation" checked={method.biasCompensation !== false} disabled={disabled}
              onChange={(e) => onChange({ biasCompensation: e.currentTarget.checked })} />
            Bias compensation
          </label>
          <span className="field__hint">adds W[:, removed] · mean(x_removed) to o_proj / down_proj’s bias, so the mean output stays</span>
        </>
      )}
    </div>
  );
}
