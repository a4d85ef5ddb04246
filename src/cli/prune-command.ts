// prunelab prune: unstructured pruning (magnitude / Wanda / SparseGPT, optionally N:M) with a layerwise allocation
// (uniform, OWL, MRP or an explicit vector), or structured pruning of heads (or whole kv-groups) and MLP channels
// (Wanda-sp / magnitude-sp / FLAP with bias compensation, uniform or explicit rates), then perplexity of the
// pruned model next to the dense one; with --tasks / --data, 0-shot accuracy (lm-eval's) dense and pruned too.
import { removedShare, requestedShare } from '../core/prune/allocation-counts.ts';
import { BadRequest } from '../core/errors.ts';
import { flapBiasRefusal } from '../core/export/export-biases.ts';
import { evaluatePerplexity } from '../core/engine/perplexity.ts';
import { evalWindows, tokenizeForEval } from '../core/engine/windows.ts';
import { Pruner } from '../core/prune/pruner.ts';
import { checkStructuredAllocation } from '../core/prune/structured.ts';
import { STRUCTURED_METRICS, type StructuredMetric } from '../core/prune/structured-selection.ts';
import { METRICS, parseNm, validateRequest, type AllocationRequest, type Metric, type PruneRequest } from '../core/prune/prune-options.ts';
import { optionalInt, requireString, type CliValues } from './args.ts';
import { openSession } from './session.ts';
import { parseExportOptions, writeExport } from './export-output.ts';
import { optionalTaskFlags } from './task-data-args.ts';
import { runZeroShot } from './eval-command.ts';
import { formatZeroShotComparison, zeroShotComparisonJson } from './zero-shot-table.ts';
import { readTextFlag } from './data-files.ts';

export function parseAllocation(text: string): AllocationRequest {
  if (['uniform', 'owl', 'mrp', 'alpha', 'flap-global'].includes(text)) return text as AllocationRequest;
  if (text.trim().startsWith('[')) {
    let v: unknown;
    try { v = JSON.parse(text); } catch { throw new BadRequest(`--alloc ${text} is not a JSON array of numbers`); }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw new BadRequest(`--alloc ${text} is not a JSON array of numbers`);
    return v as number[];
  }
  throw new BadRequest(`--alloc must be uniform, owl, mrp, alpha, flap-global (--structured flap) or a vector like '[0.4,0.5,0.6]' (got "${text}")`);
}

function parseSparsity(values: CliValues): number {
  const raw = requireString(values, 'sparsity');
  const s = Number(raw);
  if (!Number.isFinite(s)) throw new BadRequest(`--sparsity must be a number in [0, 1) (got "${raw}")`);
  return s;
}

export function parsePruneRequest(values: CliValues): PruneRequest {
  const method = (values.method as string | undefined) ?? 'wanda';
  if (!METRICS.includes(method as Metric)) throw new BadRequest(`unknown --method "${method}" (expected ${METRICS.join(', ')})`);
  const structured = values.structured as string | undefined;
  if (structured !== undefined && !STRUCTURED_METRICS.includes(structured as StructuredMetric)) {
    throw new BadRequest(`unknown --structured "${structured}" (expected ${STRUCTURED_METRICS.join(', ')})`);
  }
  if (values['kv-groups'] && structured === undefined) throw new BadRequest('--kv-groups needs --structured wanda-sp|magnitude-sp|flap');
  if (values['no-bias-compensation'] && structured !== 'flap') throw new BadRequest('--no-bias-compensation applies to --structured flap only');
  return {
    structured: structured as StructuredMetric | undefined,
    metric: method as Metric,
    sparsity: parseSparsity(values),
    allocation: parseAllocation((values.alloc as string | undefined) ?? 'uniform'),
    nm: typeof values.nm === 'string' ? parseNm(values.nm) : undefined,
    ...(values['kv-groups'] ? { kvGroups: true } : {}),
    ...(values['no-bias-compensation'] ? { biasCompensation: false } : {}),
  };
}

export async function runPrune(values: CliValues): Promise<number> {
  const modelPath = requireString(values, 'model');
  const request = parsePruneRequest(values);
  const seqLen = optionalInt(values, 'seq-len', 256)!;
  const maxWindows = optionalInt(values, 'windows');
  const calibWindows = optionalInt(values, 'calib-windows', 16)!;
  const calibOffset = optionalInt(values, 'calib-offset', 0)!;
  const { text, source: textSource } = await readTextFlag(requireString(values, 'text'));
  const { text: calibText, source: calibSource } = await readTextFlag(requireString(values, 'calib'));
  const exportOptions = await parseExportOptions(values, request);
  const zeroShotTasks = await optionalTaskFlags(values);
  const { gpu, engine, sources } = await openSession(modelPath, values.variant as string | undefined);
  const tty = process.stderr.isTTY;
  try {
    validateRequest(request, engine.spec.numLayers); // before minutes of evaluation, not after
    const flapRefusal = exportOptions && exportOptions.format !== 'onnx' && request.structured === 'flap' && request.biasCompensation !== false
      ? flapBiasRefusal(engine.spec) : null;
    if (flapRefusal) throw new BadRequest(`--format ${exportOptions!.format}: ${flapRefusal}`);
    if (request.structured) {
      const { numLayers: L, numHeads, numKvHeads } = engine.spec;
      const a = request.allocation;
      checkStructuredAllocation(numHeads, numKvHeads, Array.isArray(a) ? a : new Array(L).fill(request.sparsity), request.kvGroups);
    }
    const calibIds = tokenizeForEval(engine.model.tokenizer, calibText).slice(calibOffset);
    const calibration = evalWindows(calibIds, seqLen, calibWindows);
    const dense = await evaluatePerplexity(engine, text, { seqLen, maxWindows });
    const denseZeroShot = zeroShotTasks && await runZeroShot(engine, zeroShotTasks);
    const pruner = await Pruner.create(engine, calibration);
    try {
      const result = await pruner.prune(request, {
        onProgress: (p) => tty && process.stderr.write(`\r${p.phase} ${typeof p.done === 'number' ? p.done.toFixed(2) : p.done}/${p.total}   `),
      });
      if (tty) process.stderr.write('\n');
      const pruned = await evaluatePerplexity(engine, text, { seqLen, maxWindows });
      const prunedZeroShot = zeroShotTasks && await runZeroShot(engine, zeroShotTasks);
      const exported = exportOptions && await writeExport(exportOptions, {
        pruner, request, result, sources, dense, pruned,
        calibration: { text: calibText, offsetTokens: calibOffset, windows: calibration.length, seqLen },
        evaluation: { text, maxWindows },
      });
      const exportJson = exported && { dir: exportOptions!.dir, format: exported.summary.format, variant: exported.summary.variant,
        loaders: exported.summary.loaders, notes: exported.summary.notes, files: exported.files, seconds: exported.summary.seconds,
        ...(exported.onnx ? { onnxPpl: exported.onnx.ppl, onnxNll: exported.onnx.nll, onnxRuntime: exported.onnx.adapter.vendor } : {}) };
      if (values.json) {
        const { trajectory, ...rest } = result;
        process.stdout.write(`${JSON.stringify({
          ppl: pruned.ppl, densePpl: dense.ppl, nll: pruned.nll, denseNll: dense.nll, method: request.structured ?? request.metric,
          nm: request.nm ? `${request.nm.n}:${request.nm.m}` : null, sparsity: request.sparsity,
          // Requested and achieved side by side, on the count's basis (docs/algorithms.md §7.2).
          ...(result.count ? { countBasis: result.count.basis, requestedShare: requestedShare(result.count), achievedShare: removedShare(result.count) } : {}),
          allocationMethod: Array.isArray(request.allocation) ? 'explicit' : request.allocation, ...rest,
          keptHeads: rest.kept?.map((k) => k.heads.length), keptChannels: rest.kept?.map((k) => k.channels.length),
          ...(request.kvGroups ? { keptKvHeads: rest.kept?.map((k) => k.kvHeads?.length ?? engine.spec.numKvHeads) } : {}),
          ...(request.structured === 'flap' ? { biasCompensation: request.biasCompensation !== false } : {}),
          mrpSteps: trajectory?.length, calibrationWindows: calibration.length, seqLen, windows: pruned.windows,
          modelHash: pruned.protocol.modelHash, textHash: pruned.protocol.textHash, textSource, calibSource, adapter: pruned.adapter,
          ...(exportJson ? { export: exportJson } : {}),
          ...(denseZeroShot ? { zeroShot: zeroShotComparisonJson(denseZeroShot, prunedZeroShot!) } : {}),
        })}\n`);
      } else {
        const pct = (v: number[]) => v.map((x) => (100 * x).toFixed(1)).join(' ');
        process.stdout.write(`dense perplexity ${dense.ppl.toFixed(4)} -> pruned ${pruned.ppl.toFixed(4)}\n`
          + `allocation (%): ${pct(result.allocation)}\nachieved (%):   ${pct(result.achievedSparsity)}\n`
          + (result.count ? `${result.count.basis} removed: ${(100 * requestedShare(result.count)).toFixed(2)}% requested, `
            + `${(100 * removedShare(result.count)).toFixed(2)}% achieved (${result.count.removed} of ${result.count.total}; the method's own `
            + `rounding: ${(100 * result.count.methodRounding / result.count.total).toFixed(2)}%)\n` : ''));
        if (result.kept) {
          if (request.kvGroups) process.stdout.write(`kept kv heads:  ${result.kept.map((k) => k.kvHeads?.length ?? engine.spec.numKvHeads).join(' ')}\n`);
          process.stdout.write(`kept heads:     ${result.kept.map((k) => k.heads.length).join(' ')}\n`
            + `kept channels:  ${result.kept.map((k) => k.channels.length).join(' ')}\n`);
        }
        if (result.spreadBefore !== undefined) {
          process.stdout.write(`redundancy spread ${result.spreadBefore.toFixed(4)} -> ${result.spreadAfter!.toFixed(4)}\n`);
        }
        if (denseZeroShot) process.stdout.write(`${formatZeroShotComparison(denseZeroShot, prunedZeroShot!)}\n`);
        if (exportJson) {
          process.stdout.write(`exported ${exportJson.variant} to ${exportJson.dir} in ${exportJson.seconds.toFixed(2)} s: `
            + `${exportJson.files.map((f) => `${f.name} (${f.bytes} B)`).join(', ')}\nloads in: ${exportJson.loaders.join('; ')}\n`
            + exportJson.notes.map((n) => `note: ${n}\n`).join('')
            + (exported.onnx ? `${exported.onnx.adapter.vendor} perplexity of ${exportJson.files[0].name}: ${exported.onnx.ppl.toFixed(4)} `
              + `(in-engine ${pruned.ppl.toFixed(4)}, relative difference ${(exported.onnx.ppl / pruned.ppl - 1).toExponential(2)})\n` : ''));
        }
      }
      return 0;
    } finally { pruner.destroy(); }
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}
