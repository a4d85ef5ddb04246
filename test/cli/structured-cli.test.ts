// prunelab prune --structured flap --kv-groups as a user runs it: the --json fields (kept kv heads, bias
// compensation), the compact folder (standard config with fewer kv heads and the o / MLP biases, the report's
// method), reloaded by prunelab ppl to the same perplexity.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env);
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const eval64 = ['--text', TINYSTORIES_TEXT, '--seq-len', '64', '--windows', '2'];
const tmp = mkdtempSync(join(tmpdir(), 'prunelab-structured-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('prunelab prune --structured flap --kv-groups', () => {
  it('--json and --out compact: 2 of 4 kv-groups gone per layer, biases in the config, prunelab ppl of the folder agrees', async () => {
    const out = join(tmp, 'flap-kv');
    const r = await run(['prune', '--model', STORIES_HF, ...eval64, '--calib', TINYSTORIES_TEXT, '--calib-offset', '100000',
      '--calib-windows', '2', '--structured', 'flap', '--kv-groups', '--sparsity', '0.5', '--out', out, '--format', 'compact', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = last(r.stdout);
    expect(json).toMatchObject({ method: 'flap', biasCompensation: true, keptKvHeads: [2, 2, 2, 2, 2], keptHeads: [4, 4, 4, 4, 4],
      keptChannels: [86, 86, 86, 86, 86] });
    expect(json.export.variant).toBe('compact-hf');
    expect(json.export.notes.join(' ')).toMatch(/FLAP bias compensation/);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'llama', num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 86,
      attention_bias: true, mlp_bias: true });
    const report = JSON.parse(readFileSync(join(out, 'prunelab-report.json'), 'utf8'));
    expect(report.method).toMatchObject({ metric: 'flap', pattern: 'kv-groups+channels', biasCompensation: true });
    expect(report.keptKvHeads).toEqual([2, 2, 2, 2, 2]);
    expect(report.kept[0].oBias).toHaveLength(64);

    const ppl = await run(['ppl', '--model', out, ...eval64, '--json']);
    expect(ppl.code).toBe(0);
    const reloaded = last(ppl.stdout);
    console.log(`CLI flap + kv-groups 50%: dense ${json.densePpl}, pruned ${json.ppl}, reloaded ${reloaded.ppl}`);
    expect(Math.abs(reloaded.ppl / json.ppl - 1)).toBeLessThan(1e-4);
  }, 600_000);
});
