// The GPU device was lost (driver reset, out of memory, a test destroying it): say so, say that nothing the user
// had is gone, and offer the one action that brings the studio back: new device, same model, same settings.
import { ErrorBox } from './ErrorBox.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { useStudio } from './studio-context.tsx';
import './DeviceLostNotice.css';

export function DeviceLostNotice() {
  const device = useStudio((s) => s.device);
  const modelName = useStudio((s) => (s.model.status === 'ready' ? s.model.sourceLabel ?? s.model.summary?.name ?? null : null));
  const sparsity = useStudio((s) => (s.prune.outcome || s.prune.status === 'error' ? s.prune.sparsity : null));
  const reload = useStudio((s) => s.reloadAfterDeviceLoss);
  if (device.status === 'ok' || !device.lost) return null;
  const reloading = device.status === 'reloading';
  // The core's message is "The GPU device was lost (reason): detail. Reload the model to continue.": keep the detail.
  const detail = device.lost.message.replace(/^The GPU device was lost \([^)]*\):\s*/, '')
    .replace(/\s*Reload the model to continue\.$/, '').replace(/[.\s]+$/, '');

  return (
    <section className="notice" role="alert" data-testid="device-lost">
      <h2>The GPU device was lost ({device.lost.reason}{detail ? `: ${detail}` : ''}). Your settings and results are kept.</h2>
      <p>
        The weights on the GPU went with it. {modelName ? <>Reloading puts <strong>{modelName}</strong> on a new device
        {sparsity !== null ? <> and prunes it again at <strong>{(sparsity * 100).toFixed(0)}%</strong> with the current method</> : null};
        runs, the heatmap and the search stay as they are.</> : 'Start a new device, then load a model.'}
      </p>
      <div className="device-lost__actions">
        <button type="button" className="btn btn--primary" data-testid="device-reload" disabled={reloading} onClick={() => void reload()}>
          {modelName ? 'Reload the model and continue' : 'Start a new GPU device'}
        </button>
      </div>
      {reloading && device.progress && (
        <ProgressBar testId="device-reload-progress" fraction={device.progress.fraction} left={device.progress.label} />
      )}
      {device.status === 'error' && device.error && <ErrorBox error={device.error} title="The reload failed" />}
    </section>
  );
}
