// Small argument helpers shared by the CLI commands.
import { BadRequest } from '../core/errors.ts';

export type CliValues = Record<string, string | boolean | undefined>;

export function requireString(values: CliValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new BadRequest(`--${name} is required`);
  return v;
}

export function optionalInt(values: CliValues, name: string, fallback?: number): number | undefined {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n)) {
    throw new BadRequest(`--${name} must be a positive integer (got "${v}")`);
  }
  return n;
}
