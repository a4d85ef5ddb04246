// prunelab prune --method sparsegpt --alloc mrp as a user runs it: the --json contract with MRP's redundancy.

import { runCli } from '../helpers/cli.ts';
import { describe, expect, it } from 'vitest';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env);

describe('prunelab prune --method sparsegpt --alloc mrp', () => {
  it('--json: allocation averaging to the target, redundancy before/after with a smaller spread, worse than dense', async () => {
    const r = await run(['prune', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT, '--calib', TINYSTORIES_TEXT,
      '--calib-offset', '100000', '--calib-windows', '2', '--seq-len', '64', '--windows', '2',
      '--method', 'sparsegpt', '--alloc', 'mrp', '--sparsity', '0.2', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.method).toBe('sparsegpt');
    expect(out.allocationMethod).toBe('mrp');
    expect(out.allocation).toHaveLength(5);
    expect(out.allocation.reduce((a: number, b: number) => a + b, 0) / 5).toBeCloseTo(0.2, 9);
    out.achievedSparsity.forEach((s: number, l: number) => expect(Math.abs(s - out.allocation[l])).toBeLessThan(0.01));
    expect(out.redundancyBefore).toHaveLength(5);
    expect(out.redundancyAfter).toHaveLength(5);
    expect(out.spreadAfter).toBeLessThan(out.spreadBefore);
    expect(out.mrpSteps).toBeGreaterThan(0);
    expect(out.ppl).toBeGreaterThan(out.densePpl);
  });
});
