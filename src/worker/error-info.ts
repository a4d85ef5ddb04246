// Errors cross the worker boundary as plain {code, message} data: comlink's default serialization keeps only
// name/message/stack of an Error, so a PrunelabError's `code` would be lost. Both sides use these helpers.
import type { WorkerErrorInfo } from './api.ts';

/** An error that came back from the worker (or was raised by the client), with the core's error code. */
export class StudioError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** Plain, structured-cloneable data for any thrown value; keeps PrunelabError codes. */
export function toErrorInfo(e: unknown): WorkerErrorInfo {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; name?: unknown; message?: unknown };
    // PrunelabError / StudioError / an already-serialized {code, message}. (DOMException.code is a number.)
    if (typeof o.code === 'string' && typeof o.message === 'string') return { code: o.code, message: o.message };
    if (typeof o.message === 'string') {
      const name = typeof o.name === 'string' && o.name !== 'Error' ? o.name : 'InternalError';
      return { code: name, message: o.message || '(no message)' };
    }
  }
  return { code: 'InternalError', message: String(e) };
}

/** Rebuilds a thrown value from the worker into a StudioError. */
export function toStudioError(e: unknown): StudioError {
  if (e instanceof StudioError) return e;
  const info = toErrorInfo(e);
  return new StudioError(info.code, info.message);
}
