// Runs the `prunelab` CLI (same core on Node's WebGPU) to get the reference answers the studio must show.
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

/** `prunelab generate` output: only the generated text, as the studio shows it below the prompt. */
export async function cliGenerate(model: string, prompt: string, steps: number): Promise<string> {
  const { stdout } = await run(process.execPath,
    ['bin/prunelab.mjs', 'generate', '--model', model, '--prompt', prompt, '--steps', String(steps)],
    { env: { ...process.env }, maxBuffer: 16 << 20, timeout: 170_000 });
  return stdout;
}

export interface CliPrune { ppl: number; densePpl: number; allocation: number[]; achievedSparsity: number[]; calibrationWindows: number }

/** `prunelab prune --json` with the studio's calibration: the evaluation text after its first `windows` windows. */
export async function cliPrune(model: string, text: string, opts: {
  method: string; alloc: string; sparsity: number; seqLen: number; windows: number; calibWindows: number;
  /** `--structured METRIC` (and `--kv-groups`): heads + channels. */
  structured?: string; kvGroups?: boolean;
}): Promise<CliPrune> {
  const { stdout } = await run(process.execPath, ['bin/prunelab.mjs', 'prune', '--model', model, '--text', text,
    '--calib', text, '--calib-offset', String(opts.windows * opts.seqLen), '--calib-windows', String(opts.calibWindows),
    '--seq-len', String(opts.seqLen), '--windows', String(opts.windows), '--method', opts.method, '--alloc', opts.alloc,
    '--sparsity', String(opts.sparsity), ...(opts.structured ? ['--structured', opts.structured] : []),
    ...(opts.kvGroups ? ['--kv-groups'] : []), '--json'], { env: { ...process.env }, maxBuffer: 16 << 20, timeout: 170_000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as CliPrune;
}

export interface CliSearch {
  /** fitness: what the search minimised (perplexity, or the zero-shot error with --fitness zeroshot). */
  best: { rates: number[]; ppl: number; fitness: number }; uniform: { rate: number; ppl: number; fitness: number };
  uniformPpl: number; densePpl: number; denseFitness?: number; evaluations: number; fitness: 'ppl' | 'zeroshot';
}

/** `prunelab search --json` with the studio's windows: calibration from the evaluation text after its windows. */
export async function cliSearch(model: string, text: string, opts: {
  target: number; seqLen: number; windows: number; calibWindows: number; population: number; generations: number;
  crossovers: number; mutations: number; seed: number;
  /** --fitness zeroshot on these task files (task -> file) and their first `limit` documents. */
  zeroShot?: { tasks: Record<string, string>; limit: number };
}): Promise<CliSearch> {
  const zs = opts.zeroShot;
  const { stdout } = await run(process.execPath, ['bin/prunelab.mjs', 'search', '--model', model, '--text', text,
    '--calib', text, '--calib-offset', String(opts.windows * opts.seqLen), '--calib-windows', String(opts.calibWindows),
    '--seq-len', String(opts.seqLen), '--windows', String(opts.windows), '--target', String(opts.target),
    '--population', String(opts.population), '--generations', String(opts.generations), '--crossovers', String(opts.crossovers),
    '--mutations', String(opts.mutations), '--seed', String(opts.seed), '--json',
    ...(zs ? ['--fitness', 'zeroshot', '--tasks', Object.keys(zs.tasks).join(','),
      '--data', Object.entries(zs.tasks).map(([t, f]) => `${t}=${f}`).join(','), '--limit', String(zs.limit)] : [])],
  { env: { ...process.env }, maxBuffer: 16 << 20, timeout: 600_000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as CliSearch;
}

export interface CliScan { densePpl: number; by: 'layer' | 'module'; levels: number[]; cells: Array<{ layer: number; module: string; level: number; ppl: number; deltaPpl: number }> }

/** `prunelab scan --json` with the studio's protocol: the first `windows` windows of the text, calibration from the
 * text after the perplexity panel's `evalWindows` windows. */
export async function cliScan(model: string, text: string, opts: {
  by: 'layer' | 'module'; levels: number[]; seqLen: number; windows: number; evalWindows: number; calibWindows: number; method?: string;
}): Promise<CliScan> {
  const { stdout } = await run(process.execPath, ['bin/prunelab.mjs', 'scan', '--model', model, '--text', text,
    '--calib', text, '--calib-offset', String(opts.evalWindows * opts.seqLen), '--calib-windows', String(opts.calibWindows),
    '--seq-len', String(opts.seqLen), '--windows', String(opts.windows), '--levels', opts.levels.join(','), '--by', opts.by,
    '--method', opts.method ?? 'wanda', '--json'], { env: { ...process.env }, maxBuffer: 16 << 20, timeout: 600_000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as CliScan;
}
