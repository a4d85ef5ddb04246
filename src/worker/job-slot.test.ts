// The worker's job slot: other kinds are refused while a job runs; a superseding kind aborts the running
// job, and of several waiting requests only the newest runs.
import { describe, expect, it } from 'vitest';
import { exclusive } from './job-slot.ts';

/** A job that runs until its signal aborts, then fails like the core does. */
const untilAborted = (log: string[], name: string) => (signal: AbortSignal) => new Promise<string>((_, reject) => {
  log.push(`start ${name}`);
  signal.addEventListener('abort', () => reject(Object.assign(new Error(`${name} cancelled`), { code: 'Cancelled' })));
});

describe('job slot', () => {
  it('refuses another kind, supersedes the same kind, and runs only the newest waiting request', async () => {
    const log: string[] = [];
    const a = exclusive('prune', untilAborted(log, 'a'), true);
    await expect(exclusive('scan', async () => 'scan')).rejects.toThrow(/prune job is already running/);
    const b = exclusive('prune', async () => { log.push('start b'); return 'b'; }, true);
    const c = exclusive('prune', async () => { log.push('start c'); return 'c'; }, true);
    await expect(a).rejects.toThrow(/a cancelled/);
    await expect(b).rejects.toMatchObject({ code: 'Cancelled' });
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'start c']);
    await expect(exclusive('scan', async () => 'free again')).resolves.toBe('free again');
  });
});
