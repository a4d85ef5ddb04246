// A determinate progress bar with a caption on each side.

export function ProgressBar({ fraction, left, right, testId }: { fraction: number; left: string; right?: string; testId?: string }) {
  const pct = Math.max(0, Math.min(1, fraction)) * 100;
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress__track" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
        <div className="progress__fill" style={{ width: `${pct}%` }} />
      </div>
      <div className="progress__caption">
        <span>{left}</span>
        {right && <span>{right}</span>}
      </div>
    </div>
  );
}
