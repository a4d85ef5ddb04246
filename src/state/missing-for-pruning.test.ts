// The pruning panels say exactly what is missing (the Sparsity panel said "Load a model and pick a text first."
// when only the text was missing).
import { describe, expect, it } from 'vitest';
import { missingForPruning } from './job-slice.ts';
import type { StudioState } from './studio-store.ts';

const state = (gpu: boolean, model: boolean, text: boolean) => ({
  gpu: { status: gpu ? 'ready' : 'unavailable' }, model: { status: model ? 'ready' : 'idle' }, text: { file: text ? new File(['x'], 't.txt') : null },
}) as unknown as StudioState;

describe('missingForPruning', () => {
  it('names only what is missing', () => {
    expect(missingForPruning(state(true, true, false))).toBe('Pick an evaluation text first.');
    expect(missingForPruning(state(true, false, true))).toBe('Load a model first.');
    expect(missingForPruning(state(true, false, false))).toBe('Load a model and pick an evaluation text first.');
    expect(missingForPruning(state(true, true, true))).toBeNull();
    expect(missingForPruning(state(false, true, true))).toMatch(/No GPU device/);
  });
});
