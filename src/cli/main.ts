// `prunelab` command line: the same core as the studio, on Node's WebGPU (Dawn).
// Errors: one line on stderr and a non-zero exit; --debug shows the stack.
import { parseArgs } from 'node:util';
import { PrunelabError } from '../core/errors.ts';
import { runPpl } from './ppl-command.ts';
import { runGenerate } from './generate-command.ts';
import { runPrune } from './prune-command.ts';
import { runScan } from './scan-command.ts';
import { runSearchCommand } from './search-command.ts';
import { runEval } from './eval-command.ts';
import { runBench } from './bench-command.ts';

const USAGE = `usage:
  prunelab ppl --model PATH --text FILE [--seq-len 256] [--windows N] [--weight-storage source|f32] [--json]
  prunelab generate --model PATH [--prompt TEXT] [--steps 200]
  prunelab eval --model PATH --tasks hellaswag,arc_easy --data hellaswag=FILE,arc_easy=FILE [--limit N] [--json]
                (0-shot acc / acc_norm as lm-eval-harness computes them; tasks: boolq rte hellaswag winogrande arc_easy
                arc_challenge openbookqa piqa; FILE: JSONL or Parquet in the Hugging Face dataset's schema)
  prunelab prune --model PATH --calib FILE [--calib-windows 16] [--calib-offset TOKENS] --text FILE [--seq-len 256]
                 [--windows N] --method magnitude|wanda|sparsegpt [--nm N:M] --alloc uniform|owl|mrp|alpha|'[s1,s2,...]'
                 --sparsity S [--json]
                 or --structured wanda-sp|magnitude-sp|flap [--kv-groups] [--no-bias-compensation]
                    --alloc uniform|flap-global|'[p1,p2,...]' --sparsity P (heads (or whole kv-groups) and channels)
                 [--out DIR [--format masked|compact|onnx] [--force]] (write the pruned model, its report, apply_masks.py)
                 [--tasks T1,T2 --data T1=FILE,T2=FILE [--limit N]] (0-shot accuracy as eval computes it, dense and pruned)
  prunelab scan --model PATH --calib FILE --text FILE [--levels 0.1,0.2,...] [--by layer|module]
                [--method wanda|magnitude] [--windows 4] [--seq-len 256] [--calib-windows 16] [--json]
  prunelab search --model PATH --calib FILE --text FILE --target B [--seq-len 256] [--windows 4] [--calib-windows 4]
                  [--structured wanda-sp|magnitude-sp|flap | --method magnitude|wanda|sparsegpt] [--p-max P] [--population 30]
                  [--generations 20] [--crossovers 10] [--mutations 10] [--seed 0] [--scan SCAN.json]
                  [--operator ga|llm] [--llm-url URL --llm-model NAME [--llm-key-env VAR] [--llm-temperature 0.7]
                  [--llm-timeout 120]] [--state FILE] [--json]
                  [--fitness ppl|zeroshot] [--tasks T1,T2 --data T1=FILE,T2=FILE [--limit N]] (fitness: perplexity, or
                  1 - mean acc_norm on the tasks; with tasks, 0-shot accuracy of the dense model and the best one)
  prunelab bench --model PATH [--text FILE [--calib FILE]] [--seq-len 512] [--windows 4] [--calib-windows 4]
                 [--save-windows FILE] [--no-sparsegpt] [--variant V] [--weight-storage source|f32] [--json]
                 (tokens/s dense, masked and structured 50%, slider step and search fitness vs one evaluation,
                 SparseGPT 50% time, GPU bytes (weights as stored and as f32), matmul autotune; without --text,
                 synthetic tokens; --weight-storage f32 decodes F16 / BF16 / Q8_0 weights to f32 on the GPU, as before)
models: PATH is a folder or file, or hub:owner/name[@revision] ($HF_ENDPOINT, $HF_TOKEN);
        ppl also takes an exported model.onnx (run by onnxruntime-node, tokenizer from its folder)
data:   FILE (--text, --calib, --data) is a path or a Hub dataset file hf://datasets/owner/name[@revision]/path;
        a Parquet --text / --calib is its "text" column, rows joined by "\n\n" (WikiText-2's perplexity protocol)
options: --debug (show stack traces), --help`;

export class UsageError extends PrunelabError {
  constructor(message: string) { super('UsageError', `${message}\n${USAGE}`); }
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [command, ...rest] = argv.filter((a) => a !== '--debug');
    if (!command || command === '--help' || command === 'help' || rest.includes('--help')) {
      process.stdout.write(`${USAGE}\n`);
      return command ? 0 : 2;   // no command at all is a usage error
    }
    const { values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        model: { type: 'string' }, text: { type: 'string' }, 'seq-len': { type: 'string' },
        windows: { type: 'string' }, json: { type: 'boolean' }, prompt: { type: 'string' },
        steps: { type: 'string' }, variant: { type: 'string' }, calib: { type: 'string' },
        'calib-windows': { type: 'string' }, 'calib-offset': { type: 'string' }, method: { type: 'string' },
        nm: { type: 'string' }, structured: { type: 'string' }, alloc: { type: 'string' }, sparsity: { type: 'string' },
        levels: { type: 'string' }, by: { type: 'string' }, target: { type: 'string' }, 'p-max': { type: 'string' },
        population: { type: 'string' }, generations: { type: 'string' }, crossovers: { type: 'string' },
        mutations: { type: 'string' }, seed: { type: 'string' }, sigma: { type: 'string' }, scan: { type: 'string' },
        operator: { type: 'string' }, 'llm-url': { type: 'string' }, 'llm-model': { type: 'string' },
        'llm-key-env': { type: 'string' }, 'llm-temperature': { type: 'string' }, 'llm-timeout': { type: 'string' },
        state: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, force: { type: 'boolean' },
        'kv-groups': { type: 'boolean' }, 'no-bias-compensation': { type: 'boolean' },
        tasks: { type: 'string' }, data: { type: 'string' }, limit: { type: 'string' }, fitness: { type: 'string' },
        'save-windows': { type: 'string' }, 'no-sparsegpt': { type: 'boolean' }, 'weight-storage': { type: 'string' },
      },
    });
    if (command === 'ppl') return await runPpl(values);
    if (command === 'generate') return await runGenerate(values);
    if (command === 'eval') return await runEval(values);
    if (command === 'prune') return await runPrune(values);
    if (command === 'scan') return await runScan(values);
    if (command === 'search') return await runSearchCommand(values);
    if (command === 'bench') return await runBench(values);
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (debug) console.error(e);
    const msg = e instanceof PrunelabError ? `${e.code}: ${e.message}`
      : e instanceof Error ? `${e.name === 'TypeError' && /parseArgs|option/i.test(e.message) ? 'UsageError' : 'Error'}: ${e.message}`
        : String(e);
    process.stderr.write(`prunelab: ${debug ? msg : msg.split('\n')[0]}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
