// prunelab ppl: perplexity of a model on a text file, per the protocol in docs/algorithms.md §1. A .onnx model is evaluated
// through onnxruntime-node instead of the WebGPU engine (same windows, same report).
import { BadRequest } from '../core/errors.ts';
import { evaluatePerplexity } from '../core/engine/perplexity.ts';
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import { optionalInt, requireString, type CliValues } from './args.ts';
import { isOnnxModelPath, onnxFilePerplexity } from './onnx-ppl.ts';
import { openSession, weightStorageFlag } from './session.ts';
import { readTextFlag } from './data-files.ts';

function printReport(report: PerplexityReport, values: CliValues, extra: Record<string, unknown>): void {
  if (values.json) {
    process.stdout.write(`${JSON.stringify({
      ...report,
      modelHash: report.protocol.modelHash,
      textHash: report.protocol.textHash,
      ...extra,
    })}\n`);
  } else {
    process.stdout.write(`perplexity ${report.ppl.toFixed(4)}  (nll ${report.nll.toFixed(5)} nats, ${report.tokens} tokens, `
      + `${report.windows} windows x ${report.seqLen}, ${report.tokensPerSecond.toFixed(0)} tok/s on ${report.adapter.vendor} ${report.adapter.architecture})\n`);
  }
}

export async function runPpl(values: CliValues): Promise<number> {
  const modelPath = requireString(values, 'model');
  const textPath = requireString(values, 'text');
  const seqLen = optionalInt(values, 'seq-len', 256)!;
  const maxWindows = optionalInt(values, 'windows');
  const { text, source: textSource } = await readTextFlag(textPath);
  const onProgress = (done: number, total: number) => process.stderr.isTTY && process.stderr.write(`\rwindow ${done}/${total}`);
  if (isOnnxModelPath(modelPath)) {
    if (values.variant !== undefined) throw new BadRequest('--variant selects a WebGPU matmul kernel; it does not apply to an ONNX model');
    const report = await onnxFilePerplexity(modelPath, text, { seqLen, maxWindows, onProgress });
    if (process.stderr.isTTY) process.stderr.write('\n');
    printReport(report, values, { model: modelPath, runtime: report.adapter.vendor, textSource });
    return 0;
  }
  const { gpu, engine } = await openSession(modelPath, values.variant as string | undefined, undefined, weightStorageFlag(values['weight-storage']));
  try {
    const report = await evaluatePerplexity(engine, text, { seqLen, maxWindows, onProgress });
    if (process.stderr.isTTY) process.stderr.write('\n');
    printReport(report, values, { model: modelPath, matmulVariant: engine.matmulVariant, textSource });
    return 0;
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}
