// prunelab bench: what this GPU does with this model, side by side in one run (src/core/bench/prune-speed.ts, the
// code behind `npm run bench`'s pruning table): tokens/s dense, masked Wanda 50%, structured Wanda-sp 50%
// (compacted); a slider step and a search fitness evaluation against one evaluation; SparseGPT 50%; GPU bytes;
// the matmul autotune; the adapter. Windows follow the studio's protocol (evaluation from the start of the text,
// calibration after it); without --text, synthetic token ids (speed only). --save-windows writes the windows for
// bench/peer-pytorch.py.
import { readFile, writeFile } from 'node:fs/promises';
import { BadRequest } from '../core/errors.ts';
import { MATMUL_VARIANTS } from '../core/kernels/matmul.ts';
import { evaluationAndCalibration } from '../core/engine/calibration-windows.ts';
import { sha256Hex, tokenizeForEval } from '../core/engine/windows.ts';
import { measurePruneSpeed, type PruneSpeed } from '../core/bench/prune-speed.ts';
import { syntheticTokenIds } from '../core/bench/synthetic-tokens.ts';
import { formatTable } from '../core/bench/text-table.ts';
import { formatBytes } from '../core/errors.ts';
import { optionalInt, requireString, type CliValues } from './args.ts';
import { openSession, readModel, weightStorageFlag } from './session.ts';

/** Defaults: the issue's protocol (4 x 512 evaluation) and the studio's calibration size (DEFAULT_METHOD.calibWindows). */
export const BENCH_DEFAULTS = { seqLen: 512, windows: 4, calibWindows: 4 };

/** The file --save-windows writes (read by bench/peer-pytorch.py). */
export const WINDOWS_FORMAT = 'prunelab-bench-windows/1';

const readText = (flag: string, path: string) => readFile(path, 'utf8')
  .catch(() => { throw new BadRequest(`--${flag}: cannot read text file ${path}`); });

export async function runBench(values: CliValues): Promise<number> {
  const modelPath = requireString(values, 'model');
  const seqLen = optionalInt(values, 'seq-len', BENCH_DEFAULTS.seqLen)!;
  const windows = optionalInt(values, 'windows', BENCH_DEFAULTS.windows)!;
  const calibWindows = optionalInt(values, 'calib-windows', BENCH_DEFAULTS.calibWindows)!;
  if (seqLen < 2) throw new BadRequest(`--seq-len must be at least 2 (got ${seqLen})`);
  if (windows < 1 || calibWindows < 1) throw new BadRequest('--windows and --calib-windows must be at least 1');
  const textPath = values.text as string | undefined, calibPath = values.calib as string | undefined;
  if (calibPath !== undefined && textPath === undefined) throw new BadRequest('--calib needs --text (without --text the tokens are synthetic)');
  const text = textPath === undefined ? null : await readText('text', textPath);
  const calibText = calibPath === undefined ? null : await readText('calib', calibPath);
  const saveWindows = values['save-windows'] as string | undefined;
  const weightStorage = weightStorageFlag(values['weight-storage']);
  const progress = (what: string) => process.stderr.write(`bench: ${what}\n`);

  progress(`loading ${modelPath}`);
  const read = await readModel(modelPath);
  const { spec, tokenizer } = read.model;
  // Windows and flags are checked before the GPU starts (its matmul autotune alone takes seconds on SwiftShader).
  if (seqLen > spec.maxPositions) throw new BadRequest(`--seq-len ${seqLen} exceeds the model's maximum context of ${spec.maxPositions} tokens`);
  const ids = text === null ? syntheticTokenIds((windows + calibWindows) * seqLen, spec.vocabSize) : tokenizeForEval(tokenizer, text);
  const calibIds = calibText === null ? undefined : tokenizeForEval(tokenizer, calibText);
  const { evaluation, calibration, offsetTokens } = evaluationAndCalibration(ids, seqLen, windows, calibWindows, calibIds);
  const protocol = {
    seqLen, windows, calibWindows, text: textPath ?? null, calib: calibPath ?? null, synthetic: text === null,
    calibration: calibPath ? 'calibration-text' : 'after-evaluation-windows', calibOffsetTokens: offsetTokens,
    textHash: text === null ? null : await sha256Hex(text), addBos: text === null ? false : tokenizer.addBos,
    modelHash: read.model.fingerprint,
  };
  if (saveWindows) {
    await writeFile(saveWindows, `${JSON.stringify({ format: WINDOWS_FORMAT, model: modelPath, ...protocol, evaluation, calibration })}\n`)
      .catch(() => { throw new BadRequest(`--save-windows: cannot write ${saveWindows}`); });
    progress(`windows written to ${saveWindows}`);
  }
  const variant = values.variant as string | undefined;
  if (variant !== undefined && !(MATMUL_VARIANTS as readonly string[]).includes(variant)) {
    throw new BadRequest(`unknown --variant "${variant}" (expected ${MATMUL_VARIANTS.join(', ')})`);
  }
  progress(variant ? `opening the GPU (matmul ${variant}, no autotune)` : 'opening the GPU (matmul autotune)');
  const { gpu, engine } = await openSession(modelPath, variant, read, weightStorage);
  try {
    // The engine's choice when it made one (at the model's shapes); none when --variant forced a kernel.
    const tune = engine.matmulTuning;
    const speed = await measurePruneSpeed(engine, calibration, evaluation, { sparseGpt: !values['no-sparsegpt'], onPhase: progress });
    const adapter = { vendor: gpu.adapter.vendor, architecture: gpu.adapter.architecture, description: gpu.adapter.description,
      isFallback: gpu.adapter.isFallback };
    const report = benchJson(speed, { model: modelPath, architecture: spec.architecture, adapter,
      matmul: { variant: engine.matmulVariant,
        // The shader a dense linear map runs (a variant falls back where its kernel does not apply here).
        kernel: engine.matmulShader(seqLen), subgroupSize: gpu.subgroupSize,
        autotune: tune && { choice: tune.choice, gflops: tune.gflops, shapes: tune.shapes, source: tune.source, wrongSums: tune.wrongSums ?? [] } },
      protocol, ...(saveWindows ? { windowsFile: saveWindows } : {}) });
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${formatBench(report)}\n`);
    return 0;
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}

interface BenchHead {
  model: string; architecture: string;
  adapter: { vendor: string; architecture: string; description: string; isFallback: boolean };
  matmul: { variant: string; kernel: string; subgroupSize: number | null;
    autotune: { choice: string; gflops: Partial<Record<string, number>>; shapes: string; source: string; wrongSums: string[] } | null };
  protocol: { seqLen: number; windows: number; calibWindows: number; synthetic: boolean; calibration: string; modelHash: string };
  windowsFile?: string;
}
export type BenchReport = ReturnType<typeof benchJson>;

/** The --json report: seconds and tokens/s per phase, each ratio against the dense evaluation of the same run. */
function benchJson(s: PruneSpeed, head: BenchHead) {
  const tps = (seconds: number) => s.tokens / seconds;
  return {
    ...head,
    tokensPerEvaluation: s.tokens,
    dense: { ...s.dense, tokensPerSecond: tps(s.dense.seconds) },
    masked: { method: 'wanda', sparsity: 0.5, ...s.masked, tokensPerSecond: tps(s.masked.seconds), vsDense: s.masked.ratio },
    structured: { method: 'wanda-sp', sparsity: 0.5, ...s.structured, tokensPerSecond: tps(s.structured.seconds),
      denseTokensPerSecond: tps(s.structured.denseSeconds), speedup: 1 / s.structured.ratio },
    sliderStep: { ...s.sliderStep, vsEvaluation: s.sliderStep.ratio },
    fitness: { method: 'wanda-sp', ...s.fitness, vsEvaluation: s.fitness.ratio },
    sparseGpt: s.sparseGpt ? { sparsity: 0.5, solver: 'gpu', ...s.sparseGpt, vsEvaluation: s.sparseGpt.seconds / s.dense.seconds } : null,
    prunerSetupSeconds: s.prunerSetupSeconds,
    gpuBytes: s.bytes,
    weightStorage: s.weightStorage,
  };
}

function formatBench(r: BenchReport): string {
  const a = r.adapter, p = r.protocol;
  const f2 = (x: number) => x.toFixed(2), f0 = (x: number) => x.toFixed(0), ppl = (x: number) => x.toFixed(4);
  const rows: Array<Record<string, string>> = [
    { run: 'dense evaluation', seconds: f2(r.dense.seconds), 'tok/s': f0(r.dense.tokensPerSecond), 'x one evaluation': '1.00', perplexity: ppl(r.dense.ppl) },
    { run: 'masked Wanda 50%', seconds: f2(r.masked.seconds), 'tok/s': f0(r.masked.tokensPerSecond), 'x one evaluation': f2(r.masked.vsDense), perplexity: ppl(r.masked.ppl) },
    { run: 'structured Wanda-sp 50% (compacted)',
      seconds: f2(r.structured.seconds), 'tok/s': f0(r.structured.tokensPerSecond), 'x one evaluation': f2(r.structured.ratio), perplexity: ppl(r.structured.ppl) },
    { run: `slider step (Wanda ${r.sliderStep.from * 100}% -> ${r.sliderStep.to * 100}%: re-prune + evaluate)`, seconds: f2(r.sliderStep.seconds),
      'tok/s': '', 'x one evaluation': f2(r.sliderStep.vsEvaluation), perplexity: ppl(r.sliderStep.ppl) },
    { run: `search fitness (Wanda-sp, mean ${r.fitness.meanRate * 100}%: prune + evaluate)`, seconds: f2(r.fitness.seconds), 'tok/s': '',
      'x one evaluation': f2(r.fitness.vsEvaluation), perplexity: ppl(r.fitness.ppl) },
    ...(r.sparseGpt ? [{ run: 'SparseGPT 50% (whole prune, GPU solver)', seconds: f2(r.sparseGpt.seconds), 'tok/s': '',
      'x one evaluation': f2(r.sparseGpt.vsEvaluation), perplexity: ppl(r.sparseGpt.ppl) }] : []),
    { run: 'pruner set-up (calibration buffers and plan)', seconds: f2(r.prunerSetupSeconds), 'tok/s': '', 'x one evaluation': f2(r.prunerSetupSeconds / r.dense.seconds), perplexity: '' },
  ];
  const b = r.gpuBytes;
  return [
    `adapter: ${a.vendor} ${a.architecture} ${a.description}${a.isFallback ? ' (fallback/software)' : ''}`,
    `model: ${r.model} (${r.architecture}, ${p.modelHash.slice(0, 12)})`,
    `matmul: ${r.matmul.variant} (shader ${r.matmul.kernel}; subgroups: ${r.matmul.subgroupSize === null ? 'none of one fixed size' : `${r.matmul.subgroupSize} lanes`}); `
      + (r.matmul.autotune ? autotuneLine(r.matmul.autotune) : 'forced by --variant (no autotune)'),
    `GPU bytes: weights ${formatBytes(b.weights)} as stored (${r.weightStorage === 'f32' ? 'all f32, --weight-storage f32' : 'F16 / BF16 / Q8_0 matrices as is'}; `
      + `${formatBytes(b.weightsF32)} as f32: ${(b.weights / b.weightsF32).toFixed(3)}x); masks ${formatBytes(b.masks)}, calibration statistics ${formatBytes(b.calibrationStats)}, `
      + `calibration stream ${formatBytes(b.calibrationStream)}`,
    `protocol: ${p.windows} x ${p.seqLen} evaluation, ${p.calibWindows} x ${p.seqLen} calibration (${p.calibration})`
      + (p.synthetic ? '; synthetic tokens (no --text): perplexities mean nothing, tokens/s do' : ''),
    formatTable(`bench (one run; each ratio against a dense evaluation run just before it, median of ${r.structured.rounds} rounds; SparseGPT and set-up against the first dense evaluation)`, rows),
  ].join('\n');
}

function autotuneLine(a: NonNullable<BenchReport['matmul']['autotune']>): string {
  if (a.source === 'cpu-adapter') return 'a CPU-backed adapter\'s measured winner (not timed)';
  const rates = Object.entries(a.gflops).map(([k, v]) => `${k} ${v!.toFixed(2)}`).join(', ');
  return `autotune picked ${a.choice} at the model's shapes ${a.shapes} (${a.source === 'stored' ? 'stored timing' : 'timed now'}: ${rates} GFLOP/s)`
    + (a.wrongSums.length ? `; left out, their sums were wrong on this adapter: ${a.wrongSums.join(', ')}` : '');
}
