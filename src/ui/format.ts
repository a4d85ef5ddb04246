// Display formatting only (no computation of results).
import type { MatmulSummary } from '../worker/api.ts';

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatSeconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function formatEta(s: number | null): string {
  if (s === null) return 'estimating…';
  if (s < 1) return '< 1 s left';
  if (s < 60) return `~${Math.ceil(s)} s left`;
  return `~${Math.ceil(s / 60)} min left`;
}

export const FORMAT_NAMES: Record<string, string> = {
  'hf-safetensors': 'Hugging Face · safetensors',
  'llama2c-legacy': 'llama2.c (legacy)',
  'llama2c-v1': 'llama2.c (v1)',
  gguf: 'GGUF',
};

/** A signed perplexity difference with 2, 1 or 0 decimals by magnitude; values that round to zero print "0.00",
 * never "-0.00". */
export function formatDelta(d: number): string {
  const digits = Math.abs(d) >= 100 ? 0 : Math.abs(d) >= 10 ? 1 : 2;
  const rounded = Number(d.toFixed(digits));
  return (rounded === 0 ? 0 : rounded).toFixed(digits);
}

/** Evenly spaced axis ticks at a "nice" step (1, 2 or 5 x 10^k) covering [min, max] with about `count` ticks, and
 * the domain they span (charts zoomed onto a narrow range otherwise get uneven ticks at odd values). */
export function niceTicks(min: number, max: number, count = 5): { domain: [number, number]; ticks: number[]; digits: number } {
  if (!(max > min)) { const pad = Math.abs(min) * 0.01 || 0.01; min -= pad; max += pad; }
  const raw = (max - min) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const lo = Math.floor(min / step + 1e-9) * step, hi = Math.ceil(max / step - 1e-9) * step;
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toFixed(digits)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks, digits };
}

/** The model card's line for the matmul kernel: which variant, how it was chosen, and the adapter's subgroups. */
export function formatMatmul(m: MatmulSummary): string {
  const how = {
    timed: `fastest of ${m.timed} timed on this GPU`,
    stored: 'timed on this GPU before',
    'cpu-adapter': "a software adapter's measured pick",
    forced: 'forced',
  }[m.chosen];
  const rate = m.gflops !== null ? ` (${m.gflops >= 1000 ? `${(m.gflops / 1000).toFixed(1)} TFLOP/s` : `${m.gflops.toFixed(1)} GFLOP/s`})` : '';
  const shader = m.shader.replace(/^matmul-/, '');
  const fallback = shader.startsWith(m.variant) ? '' : `, runs ${shader}`;
  return `${m.variant}${fallback} · ${how}${rate}${m.subgroupSize !== null ? ` · subgroups of ${m.subgroupSize}` : ''}`;
}
