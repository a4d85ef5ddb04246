// The studio's window protocol for pruning (also `prunelab bench`'s): evaluation windows from the start of the
// text, calibration windows after them (or from the start of a separate calibration text), so the model is never
// calibrated on the tokens it is scored on.
import { BadRequest } from '../errors.ts';
import { evalWindows } from './windows.ts';

export interface EvalAndCalibration {
  evaluation: number[][];
  calibration: number[][];
  /** Tokens skipped in the calibration source before its first window. */
  offsetTokens: number;
}

/** `calibIds`: a separate calibration text's tokens; without it, calibration follows the evaluation windows in `ids`. */
export function evaluationAndCalibration(ids: number[], seqLen: number, evalCount: number, calibCount: number,
  calibIds?: number[]): EvalAndCalibration {
  const evaluation = evalWindows(ids, seqLen, evalCount);
  if (evaluation.length < evalCount) {
    throw new BadRequest(`the text has only ${evaluation.length} windows of ${seqLen} tokens (asked for ${evalCount})`);
  }
  const separate = calibIds !== undefined;
  const offsetTokens = separate ? 0 : evaluation.length * seqLen;
  const rest = (calibIds ?? ids).slice(offsetTokens);
  if (rest.length < seqLen * calibCount) {
    throw new BadRequest(`calibration needs ${calibCount} windows of ${seqLen} tokens but only ${rest.length} tokens `
      + `are left ${separate ? 'in the calibration text' : 'after the evaluation windows'}`);
  }
  return { evaluation, calibration: evalWindows(rest, seqLen, calibCount), offsetTokens };
}
