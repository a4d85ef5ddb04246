// Runs the `prunelab` CLI (same core on Node's WebGPU) to get the reference number the studio must show.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CliPpl { ppl: number; nll: number; tokens: number; windows: number; seqLen: number }

export async function cliPerplexity(model: string, text: string, seqLen: number, windows: number): Promise<CliPpl> {
  const { stdout } = await run(process.execPath,
    ['bin/prunelab.mjs', 'ppl', '--model', model, '--text', text, '--seq-len', String(seqLen), '--windows', String(windows), '--json'],
    { env: { ...process.env }, maxBuffer: 16 << 20, timeout: 170_000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as CliPpl;
}
