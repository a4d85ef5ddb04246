// The studio's export job with a SparseGPT run (stories260K 50%, on the GPU in Node): after the slider's prune a
// dense evaluation drops SparseGPT's updated weights; the export re-runs the same prune (the same updated weights)
// and the zip reloads to the studio's pruned perplexity (1e-4 relative), with the report saying the weights were
// updated. Without the updated weights on the GPU, an export of a SparseGPT run is refused rather than writing the
// dense weights under SparseGPT's masks.
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource, type ByteSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { weightOverridesOf } from '../../src/core/export/export-model.ts';
import type { PruneRequest } from '../../src/core/prune/prune-options.ts';
import type { ExportJobRequest, PruneJobOptions } from '../../src/worker/api.ts';
import { exportJob } from '../../src/worker/export-job.ts';
import { exclusive } from '../../src/worker/job-slot.ts';
import { pruneRecord } from '../../src/worker/current-prune.ts';
import { pruneJob } from '../../src/worker/prune-jobs.ts';
import { PruneSession } from '../../src/worker/prune-session.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

let gpu: Gpu, engine: Engine, session: PruneSession, sources: ByteSource[];
const opts: PruneJobOptions = { text: readFileSync(TINYSTORIES_TEXT, 'utf8'), seqLen: 128, evalWindows: 2, calibWindows: 2 };
const request: PruneRequest = { metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' };
const zip = (name: string, pruneId: string): ExportJobRequest => ({ pruneId, format: 'masked', delivery: { kind: 'zip' }, name });
const rel = (a: number, b: number) => Math.abs(a / b - 1);

beforeAll(async () => {
  sources = await pathSources(STORIES_HF);
  gpu = await createGpu();
  engine = await Engine.create(gpu, await loadModel(sources));
  session = new PruneSession(engine);
}, 300_000);
afterAll(() => { session?.destroy(); engine?.destroy(); gpu?.destroy(); });

describe('studio export job, SparseGPT', () => {
  it('re-runs the prune a dense evaluation undid; the zip holds the updated weights and reloads to the pruned perplexity', async () => {
    const outcome = await exclusive('prune', (signal) => pruneJob(session, request, opts, signal, () => {}));
    await exclusive('perplexity', async () => session.makeDense());   // the perplexity panel: back to dense
    // The record's pruner no longer holds SparseGPT's weights: exporting from it directly is refused.
    expect(() => weightOverridesOf(pruneRecord(session, outcome.pruneId).pruner, request)).toThrow(/updated weights are no longer on the GPU/);

    const phases: string[] = [];
    const result = await exclusive('export', (signal) => exportJob(session, sources, zip('stories-sparsegpt-50pct-masked', outcome.pruneId), signal,
      (p) => { if (phases.at(-1) !== p.phase) phases.push(p.phase); }));
    expect(result.reapplied).toBe(true);
    expect(phases).toEqual(['pruning', 'writing']);
    expect(result.summary.weightsUpdatedBy).toBe('sparsegpt');

    const entries = unzipSync(new Uint8Array(await result.blob!.arrayBuffer()));
    const report = JSON.parse(new TextDecoder().decode(entries['prunelab-report.json']));
    expect(report.method.sparsegpt).toMatchObject({ blockSize: 128, percDamp: 0.01, weightsUpdated: true });
    expect(report.export.weightsUpdatedBy).toBe('sparsegpt');
    expect(new TextDecoder().decode(entries['apply_masks.py'])).toContain('NOT this model');
    const reloaded = await loadModel(Object.entries(entries).map(([n, b]) => bytesSource(b, n)));
    const e2 = await Engine.create(gpu, reloaded, { matmulVariant: engine.matmulVariant });
    const s2 = new PruneSession(e2);
    try {
      const { evaluation } = await s2.windows(opts);
      const ppl = (await s2.evaluate(evaluation, new AbortController().signal)).ppl;
      console.log(`studio SparseGPT 50%: pruned ${outcome.ppl}, dense ${outcome.densePpl}, exported zip reloaded ${ppl}`);
      expect(outcome.ppl).toBeGreaterThan(1.5 * outcome.densePpl);  // the prune changed the model
      expect(rel(ppl, outcome.ppl)).toBeLessThan(1e-4);
    } finally { s2.destroy(); e2.destroy(); }
  }, 300_000);
});
