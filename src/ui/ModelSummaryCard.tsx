// The loaded model at a glance: architecture, format, sizes and the protocol fingerprint.
import { useStudio } from './studio-context.tsx';
import { FORMAT_NAMES, formatCount, formatMatmul, formatSeconds } from './format.ts';

export function ModelSummaryCard() {
  const summary = useStudio((s) => s.model.summary);
  const label = useStudio((s) => s.model.sourceLabel);
  if (!summary) return null;
  const rows: [string, string, string][] = [
    ['architecture', 'Architecture', summary.architecture],
    ['format', 'Format', FORMAT_NAMES[summary.format] ?? summary.format],
    ['dtype', 'Weights dtype', summary.dtype],
    ['parameters', 'Parameters', `${formatCount(summary.parameters)} (${summary.parameters.toLocaleString('en-US')})`],
    ['layers', 'Layers', String(summary.layers)],
    ['hidden', 'Hidden size', String(summary.hidden)],
    ['intermediate', 'MLP size', String(summary.intermediate)],
    ['heads', 'Attention heads', String(summary.heads)],
    ['kv-heads', 'KV heads', String(summary.kvHeads)],
    ['head-dim', 'Head dim', String(summary.headDim)],
    ['vocab', 'Vocabulary', summary.vocab.toLocaleString('en-US')],
    ['max-positions', 'Max context', summary.maxPositions.toLocaleString('en-US')],
    ...(summary.rope ? [['rope', 'RoPE', summary.rope] as [string, string, string]] : []),
    ...(summary.layerPattern ? [['layer-pattern', 'Layers', summary.layerPattern] as [string, string, string]] : []),
    ...(summary.matmul ? [['matmul', 'Matmul kernel', formatMatmul(summary.matmul)] as [string, string, string]] : []),
  ];
  return (
    <section className="card" data-testid="model-summary" aria-labelledby="summary-heading">
      <div className="card__titlebar">
        <h2 id="summary-heading" className="card__title">{label ?? summary.name}</h2>
        <span className="muted small">loaded in {formatSeconds(summary.loadSeconds)}</span>
      </div>
      <dl className="facts">
        {rows.map(([key, name, value]) => (
          <div className="facts__item" key={key}>
            <dt>{name}</dt>
            <dd data-testid={`summary-${key}`}>{value}</dd>
          </div>
        ))}
      </dl>
      <div className="fingerprint">
        <span className="muted small">fingerprint</span>
        <code data-testid="summary-fingerprint" title={summary.fingerprint}>{summary.fingerprint.slice(0, 12)}</code>
        <span className="muted small files" title={summary.files.join('\n')}>{summary.files.join(' · ')}</span>
      </div>
    </section>
  );
}
