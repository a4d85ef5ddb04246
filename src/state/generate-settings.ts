// The generation run's settings as typed by the user, and their validation before anything is sent.

export interface GenerateSettings {
  /** Empty = start from BOS alone. */
  prompt: string;
  /** Positions including BOS and the prompt, as in llama2.c's `-n`. */
  steps: number;
}

export const DEFAULT_GENERATE_SETTINGS: GenerateSettings = { prompt: '', steps: 200 };

/** A message naming what is wrong with the settings, or null when they can be run. */
export function generateSettingsProblem(s: GenerateSettings, maxPositions: number | null): string | null {
  if (!Number.isInteger(s.steps) || s.steps < 2) return `steps must be a whole number of at least 2 (got ${s.steps})`;
  if (maxPositions !== null && s.steps > maxPositions) {
    return `${s.steps} steps exceed the model's maximum context of ${maxPositions} tokens`;
  }
  return null;
}
