// Typed reads of config.json values shared by every config reader: integers and positive numbers with the
// config class's default when absent, a value that may be given under two names (GPT2Config's n_embd /
// hidden_size: one is read, both must agree, neither is replaced by a default), and the dtype.
import { BadModelFile, UnsupportedArchitecture } from '../errors.ts';
import { quoteConfigValue } from './hf-rope-config.ts';

const TORCH_DTYPES = ['float32', 'float16', 'bfloat16'];

export interface ConfigReader {
  /** An integer in [min, max]; `fallback` when the key is absent (a missing key without one is an error). */
  int(key: string | readonly string[], fallback?: number, min?: number, max?: number): number;
  /** A positive finite number; `fallback` when absent. */
  num(key: string | readonly string[], fallback: number): number;
  /** A boolean; `fallback` when absent. */
  bool(key: string, fallback: boolean): boolean;
  /** The raw value under the first of `keys` present (undefined when none is), refusing names that disagree. */
  value(keys: string | readonly string[]): unknown;
}

export function configReader(c: Record<string, unknown>, file: string): ConfigReader {
  const value = (keys: string | readonly string[]): unknown => {
    const names = typeof keys === 'string' ? [keys] : keys;
    const present = names.filter((k) => c[k] != null);
    for (const k of present.slice(1)) {
      if (c[k] !== c[present[0]]) {
        throw new BadModelFile(file, `"${present[0]}" ${quoteConfigValue(c[present[0]])} and "${k}" ${quoteConfigValue(c[k])} name the same value and disagree`);
      }
    }
    return present.length ? c[present[0]] : undefined;
  };
  const label = (keys: string | readonly string[]) => (typeof keys === 'string' ? keys : keys.join('" / "'));
  return {
    value,
    int(keys, fallback, min = 1, max) {
      const v = value(keys) ?? fallback;
      if (v === undefined) throw new BadModelFile(file, `missing required key "${label(keys)}"`);
      if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > (max ?? Infinity)) {
        throw new BadModelFile(file, `"${label(keys)}" must be an integer >= ${min}${max === undefined ? '' : ` and <= ${max}`}, got ${quoteConfigValue(v)}`);
      }
      return v as number;
    },
    num(keys, fallback) {
      const v = value(keys) ?? fallback;
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new BadModelFile(file, `"${label(keys)}" must be a positive number, got ${quoteConfigValue(v)}`);
      return v;
    },
    bool(key, fallback) {
      const v = c[key] ?? fallback;
      if (typeof v !== 'boolean') throw new BadModelFile(file, `"${key}" must be true or false, got ${quoteConfigValue(v)}`);
      return v;
    },
  };
}

/** dtype (transformers 5) or torch_dtype (4): one of the float types, the same under both names when both are set. */
export function readConfigDtype(c: Record<string, unknown>, modelType: string, file: string): string | undefined {
  const dtype = c.dtype ?? c.torch_dtype;
  if (c.dtype != null && c.torch_dtype != null && c.dtype !== c.torch_dtype) {
    throw new BadModelFile(file, `"dtype" ${quoteConfigValue(c.dtype)} and "torch_dtype" ${quoteConfigValue(c.torch_dtype)} disagree`);
  }
  if (dtype != null && !TORCH_DTYPES.includes(dtype as string)) {
    throw new UnsupportedArchitecture(modelType, `dtype ${quoteConfigValue(dtype)} (implemented: ${TORCH_DTYPES.join(', ')})`);
  }
  return dtype as string | undefined;
}

/** bos/eos ids may be null, a number, or (newer models) a list whose first entry is the primary one. */
export function tokenId(v: unknown): number | null {
  if (Array.isArray(v)) v = v[0];
  return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : null;
}
