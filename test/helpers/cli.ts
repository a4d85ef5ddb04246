// The prunelab CLI run in-process: main(argv) with stdout / stderr captured and `env` set for the call, in the
// shape the tests used to get from spawning bin/prunelab.mjs ({ code, stdout, stderr }). A spawn pays Node's
// start, the TypeScript transform, a GPU device and its pipelines again every time; in-process calls share
// them. cli.test.ts still spawns the real binary for what only a process shows (argv, exit code, bin script).
import { main } from '../../src/cli/main.ts';

export interface CliRun { code: number; stdout: string; stderr: string }

let queue: Promise<unknown> = Promise.resolve();

/** Runs `prunelab ...args`; calls are serialized (stdout / stderr and env are process-wide). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const call = async (): Promise<CliRun> => {
    let stdout = '', stderr = '';
    const text = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const writeOut = process.stdout.write, writeErr = process.stderr.write;
    const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    process.stdout.write = ((chunk: string | Uint8Array) => { stdout += text(chunk); return true; }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => { stderr += text(chunk); return true; }) as typeof process.stderr.write;
    try {
      return { code: await main(args), stdout, stderr };
    } finally {
      process.stdout.write = writeOut;
      process.stderr.write = writeErr;
      for (const [k, v] of Object.entries(savedEnv)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    }
  };
  const result = queue.then(call, call);
  queue = result.catch(() => undefined);
  return result;
}
