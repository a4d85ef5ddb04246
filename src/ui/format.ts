// Display formatting only (no computation of results).

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
