// Waiting on the GPU queue. WebGPU runs a queue's work in submission order, so work that only feeds later GPU
// work (a calibration layer, then its masks, then the next layer) is submitted without waiting; the host waits
// to read results, to notice a lost device, and to let a cancel message in.
import type { Gpu } from './device.ts';

/** Resolves when everything submitted so far has finished (rejects when the device is lost). */
export function queueDone(gpu: Gpu): Promise<void> {
  return Promise.race([gpu.device.queue.onSubmittedWorkDone(), gpu.lost.then((e) => { throw e; })]);
}

/** Keeps the GPU one step ahead of the host in a loop of submitted steps: step() waits for the work submitted
 * before the PREVIOUS step() (so the queue never drains between steps, and the event loop runs once per step);
 * drain() waits for everything. */
export class QueuePacer {
  private previous: Promise<void> | null = null;

  constructor(private readonly gpu: Gpu) {}

  async step(): Promise<void> {
    const done = queueDone(this.gpu);
    done.catch(() => {}); // awaited at the next step or drain
    const previous = this.previous;
    this.previous = done;
    if (previous) await previous;
  }

  async drain(): Promise<void> {
    this.previous = null;
    await queueDone(this.gpu);
  }
}
