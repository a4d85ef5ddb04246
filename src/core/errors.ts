// Typed, actionable errors. Every failure a user can hit names what went wrong and where.

export class PrunelabError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** No WebGPU in this runtime, or no adapter was granted. */
export class WebGPUUnavailable extends PrunelabError {
  /** `hint`: what to do in this runtime; the browser's advice by default. */
  constructor(detail: string, hint = 'Use Chrome/Edge 113+ (or Chromium with --enable-unsafe-webgpu) served over https or localhost.') {
    super('WebGPUUnavailable', `WebGPU is not available: ${detail}. ${hint}`);
  }
}

/** A tensor or the whole model does not fit the adapter's limits; carries the numbers. */
export class AdapterLimitExceeded extends PrunelabError {
  constructor(readonly what: string, readonly needed: number, readonly limit: number, readonly limitName: string,
    readonly unit: 'bytes' | 'workgroups' = 'bytes') {
    const show = (n: number) => (unit === 'bytes' ? formatBytes(n) : `${n} ${unit}`);
    super('AdapterLimitExceeded', `${what} needs ${show(needed)} but the adapter's ${limitName} is ${show(limit)}`);
  }
}

/** The GPU device was lost (driver reset, tab backgrounded too long, out of memory). */
export class DeviceLost extends PrunelabError {
  constructor(readonly reason: string, detail: string) {
    super('DeviceLost', `The GPU device was lost (${reason}): ${detail}. Reload the model to continue.`);
  }
}

/** A WebGPU validation / out-of-memory / internal error raised inside an error scope. */
export class GpuError extends PrunelabError {
  constructor(readonly operation: string, readonly kind: string, detail: string) {
    super('GpuError', `GPU ${kind} error during ${operation}: ${detail}`);
  }
}

/** A model file is malformed. Names the file, the byte offset when known, and what is wrong. */
export class BadModelFile extends PrunelabError {
  constructor(readonly file: string, readonly problem: string, readonly offset?: number) {
    super('BadModelFile', `${file}: ${problem}${offset === undefined ? '' : ` (at byte ${offset})`}`);
  }
}

/** A model_type / architecture Prunelab has no adapter for. */
export class UnsupportedArchitecture extends PrunelabError {
  constructor(readonly modelType: string, detail = '') {
    super('UnsupportedArchitecture', `Unsupported architecture "${modelType}"${detail ? `: ${detail}` : ''}. Supported: llama (incl. Llama-3.x, TinyLlama, SmolLM2), mistral, qwen2, qwen3, smollm3, llama2.c checkpoints, GGUF llama.`);
  }
}

/** A request with invalid options (bad sequence length, empty text, ...). */
export class BadRequest extends PrunelabError {
  constructor(message: string) {
    super('BadRequest', message);
  }
}

/** The user cancelled a long-running job. */
export class Cancelled extends PrunelabError {
  constructor(what = 'operation') {
    super('Cancelled', `${what} cancelled`);
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
