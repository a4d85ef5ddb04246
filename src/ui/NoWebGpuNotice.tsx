// Shown instead of the GPU features when this browser gives us no WebGPU device.
import { useStudio } from './studio-context.tsx';
import { ErrorBox } from './ErrorBox.tsx';

export function NoWebGpuNotice() {
  const gpu = useStudio((s) => s.gpu);
  if (gpu.status === 'unavailable') {
    return (
      <section className="notice" data-testid="no-webgpu" role="alert">
        <h2>WebGPU is not available in this browser</h2>
        <p>Prunelab runs models on your GPU through WebGPU. {gpu.error?.message}</p>
        <ul>
          <li><strong>Chrome or Edge 113+</strong> on Windows, macOS or ChromeOS: WebGPU is on by default.</li>
          <li><strong>Chrome / Chromium on Linux</strong>: start it with <code>--enable-unsafe-webgpu</code> (or turn on
            {' '}<code>chrome://flags/#enable-unsafe-webgpu</code>); Vulkan drivers are needed.</li>
          <li>Firefox and Safari ship WebGPU only on some platforms and versions; Prunelab is tested in Chromium.</li>
          <li>The page must come from <code>https://</code> or <code>http://localhost</code> / <code>127.0.0.1</code> (a secure context).</li>
        </ul>
      </section>
    );
  }
  if (gpu.status === 'error' && gpu.error) {
    const title = gpu.error.code === 'WorkerCrashed' ? 'The studio worker failed' : 'Could not start the GPU';
    return <ErrorBox error={gpu.error} title={title} />;
  }
  return null;
}
