import { describe, expect, it } from 'vitest';
import { evaluationAndCalibration } from './calibration-windows.ts';

const ids = Array.from({ length: 100 }, (_, i) => i);

describe('evaluationAndCalibration', () => {
  it('calibration follows the evaluation windows in the same text', () => {
    const r = evaluationAndCalibration(ids, 10, 3, 2);
    expect(r.evaluation).toEqual([ids.slice(0, 10), ids.slice(10, 20), ids.slice(20, 30)]);
    expect(r.calibration).toEqual([ids.slice(30, 40), ids.slice(40, 50)]);
    expect(r.offsetTokens).toBe(30);
  });

  it('a separate calibration text is read from its start', () => {
    const calib = ids.map((i) => 1000 + i);
    const r = evaluationAndCalibration(ids, 10, 9, 2, calib);
    expect(r.calibration).toEqual([calib.slice(0, 10), calib.slice(10, 20)]);
    expect(r.offsetTokens).toBe(0);
  });

  it('too few windows for either part is a BadRequest naming what is missing', () => {
    expect(() => evaluationAndCalibration(ids, 10, 11, 1)).toThrow(/the text has only 10 windows of 10 tokens \(asked for 11\)/);
    expect(() => evaluationAndCalibration(ids, 10, 9, 2)).toThrow(/calibration needs 2 windows of 10 tokens but only 10 tokens are left after the evaluation windows/);
    expect(() => evaluationAndCalibration(ids, 10, 1, 3, ids.slice(0, 25))).toThrow(/only 25 tokens are left in the calibration text/);
  });
});
