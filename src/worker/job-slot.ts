// The worker's one GPU job slot: the device has one engine, so one job runs at a time. A job of a
// superseding kind (the sparsity slider's prune + evaluation) aborts an in-flight job of the same kind and
// takes its place; only the newest waiting request runs, the ones it overtook fail with Cancelled.
import { BadRequest, Cancelled } from '../core/errors.ts';

export type JobKind = 'perplexity' | 'generate' | 'prune' | 'scan' | 'search' | 'export' | 'allocations' | 'zeroshot';

interface Slot { kind: JobKind; controller: AbortController; settled: Promise<unknown> }

let slot: Slot | null = null;
const newest = new Map<JobKind, number>();
let started = 0;

/** How many jobs have started in the slot (the export asks whether any ran since the last prune). */
export function jobsStarted(): number {
  return started;
}

export function isBusy(): boolean {
  return slot !== null;
}

/** Runs `job` in the slot. `supersede`: abort a running job of the same kind instead of refusing. */
export async function exclusive<T>(kind: JobKind, job: (signal: AbortSignal) => Promise<T>, supersede = false): Promise<T> {
  const ticket = (newest.get(kind) ?? 0) + 1;
  newest.set(kind, ticket);
  while (slot) {
    if (!supersede || slot.kind !== kind) {
      throw new BadRequest(`${/^[aeiou]/.test(slot.kind) ? 'an' : 'a'} ${slot.kind} job is already running; cancel it first`);
    }
    slot.controller.abort();
    await slot.settled.catch(() => {});
    // A newer request arrived while this one waited: it wins, this one never starts.
    if (newest.get(kind) !== ticket) throw new Cancelled(`${kind} (superseded by a newer request)`);
  }
  const controller = new AbortController();
  started++;
  const run = job(controller.signal);
  const current: Slot = { kind, controller, settled: run };
  slot = current;
  try {
    return await run;
  } finally {
    if (slot === current) slot = null;
  }
}

/** Aborts whatever runs in the slot (it fails with Cancelled). */
export function cancelRunning(): void {
  slot?.controller.abort();
}
