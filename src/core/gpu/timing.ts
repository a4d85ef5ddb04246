// Wall-clock timing of prepared dispatches (queue.onSubmittedWorkDone), used by the matmul autotune and the
// benchmark table. Timestamp queries would exclude submit overhead, but the shapes timed here run for
// milliseconds or more, where the wall clock is within a few percent and works on every adapter.
import type { Gpu } from './device.ts';

export interface Encodable { encode(pass: GPUComputePassEncoder): void }

/** Submits `calls` once per rep (all reps in one command buffer) and resolves with the seconds per rep. */
export async function timeCalls(gpu: Gpu, calls: Encodable[], reps: number): Promise<number> {
  const enc = gpu.device.createCommandEncoder();
  for (let r = 0; r < reps; r++) {
    const pass = enc.beginComputePass();
    for (const c of calls) c.encode(pass);
    pass.end();
  }
  const commands = enc.finish();
  const start = performance.now();
  gpu.device.queue.submit([commands]);
  await Promise.race([gpu.device.queue.onSubmittedWorkDone(), gpu.lost.then((e) => { throw e; })]);
  return (performance.now() - start) / 1000 / reps;
}
