// The perplexity run's settings as typed by the user, and their validation before anything is sent.

export interface PerplexitySettings {
  seqLen: number;
  /** 0 = every complete window of the text. */
  maxWindows: number;
}

export const DEFAULT_SETTINGS: PerplexitySettings = { seqLen: 256, maxWindows: 16 };

/** A message naming what is wrong with the settings, or null when they can be run. */
export function settingsProblem(s: PerplexitySettings, maxPositions: number | null): string | null {
  if (!Number.isInteger(s.seqLen) || s.seqLen < 2) return `sequence length must be a whole number of at least 2 (got ${s.seqLen})`;
  if (maxPositions !== null && s.seqLen > maxPositions) {
    return `sequence length ${s.seqLen} exceeds the model's maximum context of ${maxPositions} tokens`;
  }
  if (!Number.isInteger(s.maxWindows) || s.maxWindows < 0) {
    return `max windows must be a whole number, 0 for all windows (got ${s.maxWindows})`;
  }
  return null;
}
