// Remaining-time estimate for a job that reports `done` of `total` equal steps.

/** Seconds left, from the mean time per finished step; null until one step has finished. */
export function etaSeconds(elapsedSeconds: number, done: number, total: number): number | null {
  if (done <= 0 || total <= 0 || elapsedSeconds < 0) return null;
  if (done >= total) return 0;
  return (elapsedSeconds / done) * (total - done);
}
