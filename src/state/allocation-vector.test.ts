// The typed allocation vector: both spellings parse to the same numbers, and every bad vector is refused with
// the core's own wording (what `prunelab prune --alloc` prints).
import { describe, expect, it } from 'vitest';
import { BadRequest } from '../core/errors.ts';
import { validateRequest } from '../core/prune/prune-options.ts';
import { formatVector, parseAllocationVector } from './allocation-vector.ts';

const coreMessage = (allocation: number[], layers: number) => {
  try { validateRequest({ metric: 'wanda', sparsity: 0.5, allocation }, layers); } catch (e) { if (e instanceof BadRequest) return e.message; }
  return null;
};

describe('parseAllocationVector', () => {
  it('reads comma/space separated values and JSON arrays alike', () => {
    expect(parseAllocationVector('0.2, 0.3 0.45;0.5', 4)).toEqual({ vector: [0.2, 0.3, 0.45, 0.5] });
    expect(parseAllocationVector(' [0.2, 0.3, 0.45, 0.5] ', 4)).toEqual({ vector: [0.2, 0.3, 0.45, 0.5] });
    expect(parseAllocationVector(formatVector([0.123456, 0, 0.9]), 3)).toEqual({ vector: [0.1235, 0, 0.9] });
  });

  it('refuses a wrong length, NaN and values outside [0, 1) in the core\'s words', () => {
    const short = parseAllocationVector('0.2, 0.3', 5);
    expect(short.problem).toBe('the allocation vector has 2 entries but the model has 5 layers');
    expect(short.problem).toBe(coreMessage([0.2, 0.3], 5));
    expect(parseAllocationVector('0.2, NaN, 0.4', 3).problem).toBe('allocation[1] = NaN is not a sparsity in [0, 1)');
    expect(parseAllocationVector('0.2, 1, 0.4', 3).problem).toBe(coreMessage([0.2, 1, 0.4], 3));
    expect(parseAllocationVector('[0.2, -0.1, 0.4]', 3).problem).toBe('allocation[1] = -0.1 is not a sparsity in [0, 1)');
  });

  it('names text that is no number and JSON that is no array of numbers', () => {
    expect(parseAllocationVector('0.2, abc, 0.4', 3).problem).toBe('entry 1 ("abc") is not a number');
    expect(parseAllocationVector('[0.2, "x", 0.4]', 3).problem).toBe('entry 1 ("x") is not a number');
    expect(parseAllocationVector('[0.2, 0.3', 2).problem).toBe('[0.2, 0.3 is not a JSON array of numbers');
    expect(parseAllocationVector('   ', 2).problem).toMatch(/one sparsity per layer/);
  });
});
