// prunelab prune as a user runs it: the --json contract, and one-line errors for invalid requests.

import { runCli } from '../helpers/cli.ts';
import { describe, expect, it } from 'vitest';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env);
const base = ['prune', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT, '--calib', TINYSTORIES_TEXT,
  '--calib-offset', '100000', '--calib-windows', '2', '--seq-len', '64', '--windows', '2'];
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

describe('prunelab prune', () => {
  it('--json: perplexities, allocation, achieved sparsity counted from the masks, MRP redundancy', async () => {
    const r = await run([...base, '--method', 'wanda', '--alloc', 'mrp', '--sparsity', '0.4', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = last(r.stdout);
    expect(out.ppl).toBeGreaterThan(out.densePpl);
    expect(out.allocation).toHaveLength(5);
    expect(out.allocation.reduce((a: number, b: number) => a + b, 0) / 5).toBeCloseTo(0.4, 9);
    out.achievedSparsity.forEach((s: number, l: number) => expect(Math.abs(s - out.allocation[l])).toBeLessThan(0.02));
    expect(out.redundancyBefore).toHaveLength(5);
    expect(out.redundancyAfter).toHaveLength(5);
    expect(out.spreadAfter).toBeLessThan(out.spreadBefore);
    expect(out.allocationMethod).toBe('mrp');
  });

  it('--structured wanda-sp --json: kept heads/channels per layer (floor rule, every kv-group keeps a head)', async () => {
    const r = await run([...base, '--structured', 'wanda-sp', '--alloc', 'uniform', '--sparsity', '0.5', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = last(r.stdout);
    expect(out.method).toBe('wanda-sp');
    expect(out.ppl).toBeGreaterThan(out.densePpl);
    expect(out.keptHeads).toEqual([4, 4, 4, 4, 4]);
    expect(out.keptChannels).toEqual([86, 86, 86, 86, 86]);
    for (const k of out.kept) {
      expect(k.heads).toHaveLength(4);
      for (let g = 0; g < 4; g++) expect(k.heads.some((h: number) => Math.floor(h / 2) === g)).toBe(true);
    }
  });

  it('--structured refuses OWL, unknown methods and rates that would empty a kv-group, in one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--structured', 'wanda-sp', '--alloc', 'owl', '--sparsity', '0.5'], /uniform or explicit allocations, not owl/],
      [['--structured', 'flop', '--sparsity', '0.5'], /unknown --structured "flop" \(expected wanda-sp, magnitude-sp, flap\)/],
      [['--structured', 'magnitude-sp', '--sparsity', '0.75'], /kv-group with no query head.*CLI --kv-groups/],
      [['--kv-groups', '--sparsity', '0.5'], /--kv-groups needs --structured/],
      [['--structured', 'wanda-sp', '--no-bias-compensation', '--sparsity', '0.5'], /--no-bias-compensation applies to --structured flap only/],
    ];
    for (const [args, message] of cases) {
      const r = await run([...base, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  });

  it('--method sparsegpt --nm 2:4 --json: half of every layer pruned, worse than dense', async () => {
    const r = await run([...base, '--method', 'sparsegpt', '--nm', '2:4', '--sparsity', '0.5', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = last(r.stdout);
    expect(out.method).toBe('sparsegpt');
    expect(out.nm).toBe('2:4');
    expect(out.achievedSparsity).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(out.ppl).toBeGreaterThan(out.densePpl);
  });

  it('an explicit allocation vector with N:M is refused in one line, before any evaluation', async () => {
    const r = await run([...base, '--method', 'wanda', '--nm', '2:4', '--alloc', '[0.5,0.5,0.5,0.5,0.5]', '--sparsity', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['prunelab: BadRequest: N:M patterns fix the sparsity of every layer: use --alloc uniform']);
  });

  it('wrong-length vectors, sparsity 1, N >= M and unknown methods are one-line errors', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--alloc', '[0.5,0.5]', '--sparsity', '0.5'], /2 entries but the model has 5 layers/],
      [['--sparsity', '1'], /sparsity 1 is outside \[0, 1\)/],
      [['--nm', '4:4', '--sparsity', '0.5'], /N must be at least 1 and below M/],
      [['--method', 'obs', '--sparsity', '0.5'], /unknown --method "obs"/],
      [['--alloc', 'random', '--sparsity', '0.5'], /--alloc must be uniform, owl, mrp, alpha, flap-global \(--structured flap\) or a vector/],
    ];
    for (const [args, message] of cases) {
      const r = await run([...base, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  });
});
