// prunelab ppl: perplexity of a model on a text file, per the protocol in DESIGN.md.
import { readFile } from 'node:fs/promises';
import { BadRequest } from '../core/errors.ts';
import { evaluatePerplexity } from '../core/engine/perplexity.ts';
import { optionalInt, requireString, type CliValues } from './args.ts';
import { openSession } from './session.ts';

export async function runPpl(values: CliValues): Promise<number> {
  const modelPath = requireString(values, 'model');
  const textPath = requireString(values, 'text');
  const seqLen = optionalInt(values, 'seq-len', 256)!;
  const maxWindows = optionalInt(values, 'windows');
  const text = await readFile(textPath, 'utf8').catch(() => { throw new BadRequest(`cannot read text file ${textPath}`); });
  const { gpu, engine } = await openSession(modelPath, values.variant as string | undefined);
  try {
    const report = await evaluatePerplexity(engine, text, {
      seqLen, maxWindows,
      onProgress: (done, total) => process.stderr.isTTY && process.stderr.write(`\rwindow ${done}/${total}`),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (values.json) {
      process.stdout.write(`${JSON.stringify({
        ...report,
        modelHash: report.protocol.modelHash,
        textHash: report.protocol.textHash,
        model: modelPath,
        matmulVariant: engine.matmulVariant,
      })}\n`);
    } else {
      process.stdout.write(`perplexity ${report.ppl.toFixed(4)}  (nll ${report.nll.toFixed(5)} nats, ${report.tokens} tokens, `
        + `${report.windows} windows x ${report.seqLen}, ${report.tokensPerSecond.toFixed(0)} tok/s on ${report.adapter.vendor} ${report.adapter.architecture})\n`);
    }
    return 0;
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}
