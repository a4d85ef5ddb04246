// The CLI's zero-shot answers the studio's Zero-shot panel must show: `prunelab eval` for the dense model and
// `prunelab prune --tasks` (the pruned model evaluated right after pruning) with the studio's windows and calibration.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ZeroShotSummary } from '../src/core/zeroshot/zero-shot-summary.ts';

const run = promisify(execFile);

export interface TaskFiles { tasks: Record<string, string>; limit: number }

const taskArgs = ({ tasks, limit }: TaskFiles) => ['--tasks', Object.keys(tasks).join(','),
  '--data', Object.entries(tasks).map(([t, f]) => `${t}=${f}`).join(','), '--limit', String(limit), '--json'];

async function cli(args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['bin/prunelab.mjs', ...args], { env: { ...process.env }, maxBuffer: 16 << 20, timeout: 300_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '');
}

export const cliEval = (model: string, files: TaskFiles) => cli(['eval', '--model', model, ...taskArgs(files)]) as Promise<ZeroShotSummary>;

/** `prunelab prune --tasks ... --json`'s zero-shot pair, calibrated as the studio calibrates (text after its windows). */
export async function cliPruneZeroShot(model: string, text: string, files: TaskFiles, opts: {
  method: string; sparsity: number; seqLen: number; windows: number; calibWindows: number;
}): Promise<{ dense: ZeroShotSummary; pruned: ZeroShotSummary }> {
  const out = await cli(['prune', '--model', model, '--text', text, '--calib', text, '--calib-offset', String(opts.windows * opts.seqLen),
    '--calib-windows', String(opts.calibWindows), '--seq-len', String(opts.seqLen), '--windows', String(opts.windows),
    '--method', opts.method, '--alloc', 'uniform', '--sparsity', String(opts.sparsity), ...taskArgs(files)]) as { zeroShot: { dense: ZeroShotSummary; pruned: ZeroShotSummary } };
  return out.zeroShot;
}
