// prunelab prune --out DIR --format ...: the folder a user gets (weights, config, tokenizer, report,
// apply_masks.py), reloaded by prunelab ppl to the same perplexity; and the one-line refusals.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { applyMasksScript } from '../../src/core/export/apply-masks-script.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env);
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const base = ['prune', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT, '--calib', TINYSTORIES_TEXT,
  '--calib-offset', '100000', '--calib-windows', '4', '--seq-len', '128', '--windows', '4'];
const tmp = mkdtempSync(join(tmpdir(), 'prunelab-export-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const hasPython = (() => { try { execFileSync('python3', ['--version']); return true; } catch { return false; } })();

describe('prunelab prune --out', () => {
  it('structured 30% --format compact writes the folder and report; prunelab ppl of the folder gives the same perplexity', async () => {
    const out = join(tmp, 'compact');
    const r = await run([...base, '--structured', 'wanda-sp', '--sparsity', '0.3', '--out', out, '--format', 'compact', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = last(r.stdout);
    expect(json.export).toMatchObject({ dir: out, format: 'compact', variant: 'compact-prunelab' });
    expect(readdirSync(out).sort()).toEqual(['apply_masks.py', 'config.json', 'generation_config.json', 'model.safetensors',
      'prunelab-report.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    for (const f of json.export.files) expect(statSync(join(out, f.name)).size, f.name).toBe(f.bytes);
    expect(readFileSync(join(out, 'tokenizer.json'))).toEqual(readFileSync(join(STORIES_HF, 'tokenizer.json')));

    const report = JSON.parse(readFileSync(join(out, 'prunelab-report.json'), 'utf8'));
    expect(report.prunelab).toEqual({ version: '0.1.0', report: 1 });
    expect(report.source).toMatchObject({ format: 'hf-safetensors', fingerprint: json.modelHash, parameters: 260_032, weightBytes: statSync(join(STORIES_HF, 'model.safetensors')).size });
    expect(report.protocol).toMatchObject({ seqLen: 128, windows: 4, textSha256: sha256(TINYSTORIES_TEXT), addBos: true,
      calibration: { textSha256: sha256(TINYSTORIES_TEXT), offsetTokens: 100000, windows: 4, seqLen: 128 } });
    expect(report.method).toMatchObject({ kind: 'structured', metric: 'wanda-sp', allocation: 'uniform', sparsity: 0.3 });
    expect(report.allocation).toEqual([0.3, 0.3, 0.3, 0.3, 0.3]);
    expect(report.keptHeads).toEqual([5, 5, 6, 6, 6]);          // repaired to exactly 30% of the removable weights
    expect(report.keptChannels).toEqual([120, 120, 120, 121, 121]);
    expect(report.kept).toEqual(json.kept);
    expect(report.perplexity).toMatchObject({ dense: json.densePpl, pruned: json.ppl });
    expect(report.export).toMatchObject({ variant: 'compact-prunelab', dtype: 'F32', weightBytes: statSync(join(out, 'model.safetensors')).size });
    expect(report.export.weightBytesRatio).toBeLessThan(0.8);
    for (const k of ['pruneSeconds', 'denseEvalSeconds', 'prunedEvalSeconds', 'exportSeconds']) expect(report.timings[k]).toBeGreaterThan(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.prunelab.layers.map((l: { num_attention_heads: number }) => l.num_attention_heads)).toEqual([5, 5, 6, 6, 6]);
    expect(readFileSync(join(out, 'apply_masks.py'), 'utf8')).toContain('VARIANT = "compact-prunelab"');

    const ppl = await run(['ppl', '--model', out, '--text', TINYSTORIES_TEXT, '--seq-len', '128', '--windows', '4', '--json']);
    expect(ppl.code).toBe(0);
    const reloaded = last(ppl.stdout);
    console.log(`CLI: in-engine pruned ${json.ppl}, reloaded ${reloaded.ppl}, export ${json.export.seconds.toFixed(3)} s`);
    expect(reloaded.modelHash).toBe(report.export.fingerprint);
    expect(Math.abs(reloaded.ppl / json.ppl - 1)).toBeLessThan(1e-4);
  }, 600_000); // two GPU CLI runs (~1 min each alone; several on a loaded 2-core machine)

  it('structured FLAP 30% --format masked: dense shapes with the compensated biases, prunelab ppl of the folder gives the same perplexity', async () => {
    const out = join(tmp, 'flap-masked');
    const r = await run([...base, '--structured', 'flap', '--sparsity', '0.3', '--out', out, '--format', 'masked', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = last(r.stdout);
    expect(json.export).toMatchObject({ format: 'masked', variant: 'masked' });
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ num_attention_heads: 8, intermediate_size: 172, attention_bias: true, mlp_bias: true });
    const ppl = await run(['ppl', '--model', out, '--text', TINYSTORIES_TEXT, '--seq-len', '128', '--windows', '4', '--json']);
    expect(ppl.code, ppl.stderr).toBe(0);
    expect(Math.abs(last(ppl.stdout).ppl / json.ppl - 1), `reloaded ${last(ppl.stdout).ppl} vs pruned ${json.ppl}`).toBeLessThan(1e-4);
  }, 600_000);

  it.runIf(hasPython)('apply_masks.py is valid Python for every variant', () => {
    for (const variant of ['masked', 'compact-hf', 'compact-prunelab'] as const) {
      const code = applyMasksScript(variant, 0.25);
      expect(code).toContain(`VARIANT = "${variant}"`);
      expect(code).toContain('EXPECTED_SPARSITY = 0.250000');
      execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: code });
    }
  });

  it('refuses, in one line and before any work: SparseGPT to compact, compact without --structured, --format without --out, a non-empty folder', async () => {
    const full = join(tmp, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    const cases: Array<[string[], string]> = [
      [['--sparsity', '0.5', '--method', 'sparsegpt', '--out', join(tmp, 'x'), '--format', 'compact'], 'prunelab: BadRequest: --format compact needs structured pruning ' +
        '(--structured wanda-sp|magnitude-sp|flap): unstructured masks leave every tensor its shape, so there is nothing to remove; use --format masked'],
      [['--sparsity', '0.5', '--out', join(tmp, 'y'), '--format', 'compact'], 'prunelab: BadRequest: --format compact needs structured pruning (--structured wanda-sp|magnitude-sp|flap): unstructured masks leave every tensor its shape, so there is nothing to remove; use --format masked'],
      [['--sparsity', '0.5', '--format', 'masked'], 'prunelab: BadRequest: --format needs --out DIR (the folder to write the pruned model to)'],
      [['--sparsity', '0.5', '--out', full], `prunelab: BadRequest: --out ${full} is not empty (1 entries: keep.txt); choose an empty folder or pass --force to overwrite`],
    ];
    for (const [args, line] of cases) {
      const r = await run([...base, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([line]);
    }
    expect(readdirSync(full)).toEqual(['keep.txt']);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
    expect(existsSync(join(tmp, 'y'))).toBe(false);
  }, 300_000);
});
