// FLAP and kv-group removal as the studio's method settings: the core request, the curve label, when a change
// re-runs, and the share link (old links without the fields still decode, as "off").
import { describe, expect, it } from 'vitest';
import { validateRequest } from '../core/prune/prune-options.ts';
import { DEFAULT_METHOD, DEFAULT_SCAN, kvGroupsApply, methodLabel, prunesDifferently, toPruneRequest, type MethodSettings } from './prune-settings.ts';
import { DEFAULT_SETTINGS } from './run-settings.ts';
import { DEFAULT_SEARCH, isStructured, maxTarget, toSearchRequest } from './search-settings.ts';
import { decodeConfig, encodeConfig, type SharedConfig } from './share-codec.ts';

const heads: MethodSettings = { ...DEFAULT_METHOD, nm: 'heads' };

describe('structured method settings', () => {
  it('maps the structured score, kv-groups and bias compensation into the core request the CLI sends', () => {
    expect(toPruneRequest(heads, 0.3)).toEqual({ metric: 'wanda', sparsity: 0.3, allocation: 'uniform', structured: 'wanda-sp' });
    expect(toPruneRequest({ ...heads, metric: 'magnitude' }, 0.3).structured).toBe('magnitude-sp');
    // FLAP: bias compensation on is the core's default, so the request carries nothing for it (= `--structured flap`).
    expect(toPruneRequest({ ...heads, flap: true, biasCompensation: true }, 0.3))
      .toEqual({ metric: 'wanda', sparsity: 0.3, allocation: 'uniform', structured: 'flap' });
    expect(toPruneRequest({ ...heads, flap: true, biasCompensation: false, kvGroups: true }, 0.5, [0.5, 0.5]))
      .toEqual({ metric: 'wanda', sparsity: 0.5, allocation: [0.5, 0.5], structured: 'flap', kvGroups: true, biasCompensation: false });
    // Bias compensation belongs to FLAP only: Wanda-sp with the box left off sends nothing the core would refuse.
    const sp = toPruneRequest({ ...heads, biasCompensation: false, kvGroups: true }, 0.5);
    expect(sp).toEqual({ metric: 'wanda', sparsity: 0.5, allocation: 'uniform', structured: 'wanda-sp', kvGroups: true });
    expect(() => validateRequest(sp, 5)).not.toThrow();
    // Outside heads + channels the structured settings do nothing.
    expect(toPruneRequest({ ...DEFAULT_METHOD, flap: true, kvGroups: true, biasCompensation: false }, 0.5))
      .toEqual({ metric: 'wanda', sparsity: 0.5, allocation: 'uniform', nm: undefined });
  });

  it('names each structured method apart on the curve and in the history', () => {
    expect(methodLabel(heads)).toBe('Wanda-sp · heads+channels');
    expect(methodLabel({ ...heads, flap: true })).toBe('FLAP · heads+channels');
    expect(methodLabel({ ...heads, flap: true, biasCompensation: false, kvGroups: true }, 'evolved'))
      .toBe('FLAP (no bias comp.) · kv-groups+channels · evolved');
    expect(methodLabel({ ...heads, metric: 'magnitude', kvGroups: true })).toBe('Magnitude-sp · kv-groups+channels');
    expect(methodLabel({ ...DEFAULT_METHOD, flap: true })).toBe('Wanda · UNIFORM');
  });

  it('re-runs when a structured setting changes under heads + channels, not otherwise', () => {
    expect(prunesDifferently(heads, { ...heads, flap: true })).toBe(true);
    expect(prunesDifferently(heads, { ...heads, kvGroups: true })).toBe(true);
    expect(prunesDifferently({ ...heads, flap: true }, { ...heads, flap: true, biasCompensation: false })).toBe(true);
    expect(prunesDifferently({ ...heads, flap: true }, { ...heads, flap: true, biasCompensation: true })).toBe(false);
    expect(prunesDifferently(heads, { ...heads, flap: false, kvGroups: false })).toBe(false);
    expect(prunesDifferently(DEFAULT_METHOD, { ...DEFAULT_METHOD, kvGroups: true })).toBe(false);
    expect(prunesDifferently(heads, { ...heads, calibWindows: 9 })).toBe(false);
  });

  it('offers kv-groups only where query heads share kv heads', () => {
    expect(kvGroupsApply(8, 4)).toBe(true);
    expect(kvGroupsApply(9, 3)).toBe(true);
    expect(kvGroupsApply(8, 8)).toBe(false);
  });

  it('searches with FLAP as a structured method', () => {
    expect(isStructured('flap')).toBe(true);
    expect(toSearchRequest({ ...DEFAULT_SEARCH, method: 'flap' }, '').structured).toBe('flap');
    expect(maxTarget('flap', 9, 3)).toBeCloseTo(7 / 9, 5);
  });

  it('carries the structured settings in a share link; a link without them still decodes', () => {
    const base: SharedConfig = { v: 1, ppl: DEFAULT_SETTINGS, method: heads, sparsity: 0.3, scan: DEFAULT_SCAN, search: DEFAULT_SEARCH };
    const flap: SharedConfig = { ...base, method: { ...heads, flap: true, kvGroups: true, biasCompensation: false },
      search: { ...DEFAULT_SEARCH, method: 'flap' } };
    expect(decodeConfig(encodeConfig(flap))).toEqual({ ok: true, config: flap });
    const old = decodeConfig(encodeConfig(base));
    expect(old.ok && old.config.method).toEqual(heads);
    expect(old.ok && 'flap' in old.config.method).toBe(false);
    expect(() => encodeConfig({ ...base, method: { ...heads, flap: 'yes' as unknown as boolean } })).toThrow(/method\.flap|flap/);
  });
});
