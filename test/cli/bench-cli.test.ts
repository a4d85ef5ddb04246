// prunelab bench as a user runs it (main() in-process) on stories260K with tiny windows: the --json shape, numbers
// consistent with prunelab prune on the same windows (the studio's protocol: calibration right after the
// evaluation windows), the --save-windows file, and one-line typed errors for bad flags.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { BENCH_DEFAULTS, WINDOWS_FORMAT } from '../../src/cli/bench-command.ts';
import { DEFAULT_METHOD } from '../../src/state/prune-settings.ts';

const SEQ = 64, WINDOWS = 2, CALIB = 4, VARIANT = 'blocked16x16';
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const windowsFile = join(mkdtempSync(join(tmpdir(), 'prunelab-bench-')), 'windows.json');

/** stories260K's safetensors header: every tensor's name and shape (all F32). */
function headerShapes(): Array<[string, number[]]> {
  const bytes = readFileSync(join(STORIES_HF, 'model.safetensors'));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
  return Object.entries(header).filter(([k]) => k !== '__metadata__').map(([k, v]) => { expect(v.dtype).toBe('F32'); return [k, v.shape]; });
}

let out: any; // the parsed --json report
let stderr = '';
beforeAll(async () => {
  // A forced kernel skips the matmul autotune, the largest part of a CLI call on SwiftShader (the autotune's report
  // is the engine's cached choice; see docs/cli.md).
  const r = await runCli(['bench', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT, '--seq-len', String(SEQ), '--windows', String(WINDOWS),
    '--variant', VARIANT, '--save-windows', windowsFile, '--json']);
  stderr = r.stderr;
  expect(r.code).toBe(0);
  out = last(r.stdout);
}, 120_000);

describe('prunelab bench', () => {
  it('defaults: 4 x 512 evaluation and the studio\'s calibration size', () => {
    expect(BENCH_DEFAULTS).toEqual({ seqLen: 512, windows: 4, calibWindows: DEFAULT_METHOD.calibWindows });
  });

  it('--json: every phase with seconds, tokens/s and ratios against the dense evaluation of the same run; progress on stderr', () => {
    expect(stderr).toMatch(/^bench: opening the GPU \(matmul blocked16x16, no autotune\)$/m);
    expect(stderr).toMatch(/^bench: dense evaluation$/m);
    expect(stderr).toMatch(/^bench: SparseGPT 50%$/m);
    expect(out.model).toBe(STORIES_HF);
    expect(out.architecture).toBe('llama');
    expect(out.adapter.vendor).toEqual(expect.any(String));
    expect(out.protocol).toMatchObject({ seqLen: SEQ, windows: WINDOWS, calibWindows: CALIB, synthetic: false, addBos: true,
      calibration: 'after-evaluation-windows', calibOffsetTokens: SEQ * WINDOWS, text: TINYSTORIES_TEXT });
    // SwiftShader has 4-lane subgroups; blocked16x16 at K = 64, M = 64 runs its own shader.
    expect(out.matmul).toEqual({ variant: VARIANT, kernel: 'matmul-blocked16x16', subgroupSize: 4, autotune: null });
    expect(out.tokensPerEvaluation).toBe(SEQ * WINDOWS);
    for (const k of ['dense', 'masked', 'structured']) {
      expect(out[k].seconds).toBeGreaterThan(0);
      expect(out[k].tokensPerSecond).toBeCloseTo(SEQ * WINDOWS / out[k].seconds, 6);
    }
    // Each ratio is its median round's: its seconds over the dense evaluation run just before it.
    expect(out.masked.vsDense).toBeCloseTo(out.masked.seconds / out.masked.denseSeconds, 9);
    expect(out.structured.speedup).toBeCloseTo(1 / out.structured.ratio, 9);
    expect(out.sliderStep).toMatchObject({ from: 0.3, to: 0.5 });
    expect(out.sliderStep.vsEvaluation).toBeCloseTo(out.sliderStep.seconds / out.sliderStep.denseSeconds, 9);
    expect(out.fitness.vsEvaluation).toBeCloseTo(out.fitness.seconds / out.fitness.denseSeconds, 9);
    for (const k of ['masked', 'sliderStep', 'fitness', 'structured']) expect(out[k].rounds).toBe(3);
    expect(out.sparseGpt.seconds).toBeGreaterThan(0);
    expect(out.sparseGpt.readBackBytes).toBeGreaterThanOrEqual(0);
    // The slider step ends on the masked 50% model: same perplexity as the masked evaluation after it.
    expect(out.sliderStep.ppl).toBe(out.masked.ppl);
    for (const k of ['masked', 'structured', 'fitness', 'sparseGpt']) expect(out[k].ppl).toBeGreaterThan(out.dense.ppl);
  });

  it('GPU bytes: the weights as stored (an F32 model: as f32), one bit per linear weight for the masks', () => {
    const shapes = headerShapes();
    expect(out.gpuBytes.weights).toBe(shapes.reduce((s, [, sh]) => s + sh.reduce((a, b) => a * b, 1) * 4, 0));
    expect(out.gpuBytes.weightsF32).toBe(out.gpuBytes.weights);
    expect(out.weightStorage).toBe('source');
    const linear = shapes.filter(([k, sh]) => /\.layers\.\d+\..*_proj\.weight$/.test(k) && sh.length === 2);
    expect(linear).toHaveLength(5 * 7);
    expect(out.gpuBytes.masks).toBe(linear.reduce((s, [, [N, K]]) => s + N * Math.ceil(K / 32) * 4, 0));
    expect(out.gpuBytes.calibrationStream).toBe(CALIB * SEQ * 64 * 4);
  });

  it('the same perplexities as prunelab prune (dense, Wanda 50% masked) with its calibration at the same offset', async () => {
    // The bench's matmul kernel: the same arithmetic.
    const r = await runCli(['prune', '--model', STORIES_HF, '--variant', VARIANT, '--text', TINYSTORIES_TEXT, '--seq-len', String(SEQ), '--windows', String(WINDOWS),
      '--calib', TINYSTORIES_TEXT, '--calib-offset', String(SEQ * WINDOWS), '--calib-windows', String(CALIB),
      '--method', 'wanda', '--sparsity', '0.5', '--json']);
    expect(r.code).toBe(0);
    const wanda = last(r.stdout);
    expect(out.dense.ppl).toBe(wanda.densePpl);
    expect(out.masked.ppl).toBe(wanda.ppl);
  }, 60_000);

  it('--save-windows: the evaluation and calibration windows it measured, with the protocol', () => {
    const w = JSON.parse(readFileSync(windowsFile, 'utf8'));
    expect(w).toMatchObject({ format: WINDOWS_FORMAT, seqLen: SEQ, modelHash: out.protocol.modelHash, textHash: out.protocol.textHash });
    expect(w.evaluation).toHaveLength(WINDOWS);
    expect(w.calibration).toHaveLength(CALIB);
    for (const win of [...w.evaluation, ...w.calibration]) expect(win).toHaveLength(SEQ);
    expect(w.evaluation[0][0]).toBe(1); // BOS, as the tokenizer config asks
    expect(w.calibration[0]).not.toEqual(w.evaluation[0]);
  });

  it('bad flags: one line, typed, before the GPU starts', async () => {
    const shortText = join(dirname(windowsFile), 'short.txt');
    writeFileSync(shortText, 'Once upon a time there was a little cat. The cat liked to play in the sun with a red ball.');
    const cases: Array<[string[], RegExp]> = [
      [['--seq-len', 'abc'], /^prunelab: BadRequest: --seq-len must be a positive integer \(got "abc"\)$/],
      [['--windows', '0'], /^prunelab: BadRequest: --windows and --calib-windows must be at least 1$/],
      [['--calib', TINYSTORIES_TEXT], /^prunelab: BadRequest: --calib needs --text/],
      [['--text', '/nonexistent/t.txt'], /^prunelab: BadRequest: --text: cannot read text file \/nonexistent\/t\.txt$/],
      [['--seq-len', '4096'], /^prunelab: BadRequest: --seq-len 4096 exceeds the model's maximum context of 512 tokens$/],
      [['--text', shortText, '--seq-len', '8', '--windows', '100000'], /^prunelab: BadRequest: the text has only \d+ windows of 8 tokens \(asked for 100000\)$/],
      [['--text', shortText, '--seq-len', '8', '--windows', '2', '--calib-windows', '100'], /^prunelab: BadRequest: calibration needs 100 windows of 8 tokens but only \d+ tokens are left after the evaluation windows$/],
      [['--variant', 'fast'], /^prunelab: BadRequest: unknown --variant "fast" \(expected blocked4x4, .*\)$/],
      [['--weight-storage', 'f64'], /^prunelab: BadRequest: unknown --weight-storage "f64" \(expected source or f32\)$/],
      [['--bogus'], /^prunelab: UsageError: Unknown option '--bogus'/],
    ];
    for (const [flags, want] of cases) {
      const r = await runCli(['bench', '--model', STORIES_HF, ...flags]);
      expect(r.code, flags.join(' ')).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr, flags.join(' ')).not.toMatch(/opening the GPU/);
      const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('bench: '));
      expect(lines, flags.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(want);
    }
  });
});
