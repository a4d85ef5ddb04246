// App name and the GPU adapter the studio runs on.
import { useStudio } from './studio-context.tsx';
import { formatBytes } from './format.ts';
import { ShareButton } from './ShareButton.tsx';

function AdapterInfo() {
  const gpu = useStudio((s) => s.gpu);
  if (gpu.status === 'starting') return <span className="adapter adapter--pending" data-testid="adapter-info">Starting GPU…</span>;
  if (gpu.status !== 'ready' || !gpu.adapter) {
    return <span className="adapter adapter--none" data-testid="adapter-info">{gpu.status === 'lost' ? 'GPU lost' : 'No GPU'}</span>;
  }
  const a = gpu.adapter;
  return (
    <span className="adapter" data-testid="adapter-info"
      title={`${a.description ? `${a.description}\n` : ''}max storage binding ${formatBytes(a.maxBindingBytes)}, max buffer ${formatBytes(a.maxBufferBytes)}`}>
      <span className="adapter__dot" aria-hidden />
      <span className="adapter__name">{a.vendor}</span>
      <span className="adapter__arch">{a.architecture}</span>
      {a.isFallback && <span className="badge badge--warn" data-testid="fallback-badge">software fallback adapter</span>}
    </span>
  );
}

/** A small network with some connections pruned (dashed). */
function BrandMark() {
  return (
    <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden>
      <rect width="32" height="32" rx="8" className="brand__bg" />
      <g strokeWidth="1.6" strokeLinecap="round" className="brand__edges">
        <path d="M9 9 L23 12" /><path d="M9 16 L23 12" /><path d="M9 16 L23 20" /><path d="M9 23 L23 20" />
        <path d="M9 9 L23 20" strokeDasharray="1.5 2.5" opacity="0.45" />
        <path d="M9 23 L23 12" strokeDasharray="1.5 2.5" opacity="0.45" />
      </g>
      <g className="brand__nodes">
        <circle cx="9" cy="9" r="2.6" /><circle cx="9" cy="16" r="2.6" /><circle cx="9" cy="23" r="2.6" />
        <circle cx="23" cy="12" r="2.6" /><circle cx="23" cy="20" r="2.6" />
      </g>
    </svg>
  );
}

export function Header() {
  return (
    <header className="app-header" data-testid="app-header">
      <div className="brand">
        <BrandMark />
        <div>
          <h1 className="brand__name">Prunelab</h1>
          <p className="brand__tag">WebGPU pruning studio for small language models · runs locally, nothing is uploaded</p>
        </div>
      </div>
      <div className="header-actions"><ShareButton /><AdapterInfo /></div>
    </header>
  );
}
