// The studio's export job on the GPU in Node (stories260K, Wanda 50% unstructured): after the slider's prune a
// dense evaluation resets the masks; the export notices, re-applies the same prune, and the zip it returns
// unzips to a model whose perplexity equals the studio's pruned number (1e-4 relative). Cancel stops it with
// Cancelled; exporting before any prune is refused with a clear message. A structured run exports masked too.
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource, type ByteSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import type { ExportJobRequest, PruneJobOptions } from '../../src/worker/api.ts';
import { exportJob } from '../../src/worker/export-job.ts';
import { cancelRunning, exclusive } from '../../src/worker/job-slot.ts';
import { pruneJob } from '../../src/worker/prune-jobs.ts';
import { PruneSession } from '../../src/worker/prune-session.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

let gpu: Gpu, engine: Engine, session: PruneSession, sources: ByteSource[];
const opts: PruneJobOptions = { text: readFileSync(TINYSTORIES_TEXT, 'utf8'), seqLen: 128, evalWindows: 2, calibWindows: 2 };
const zip = (name: string, pruneId: string): ExportJobRequest => ({ pruneId, format: 'masked', delivery: { kind: 'zip' }, name });
const rel = (a: number, b: number) => Math.abs(a / b - 1);

beforeAll(async () => {
  sources = await pathSources(STORIES_HF);
  gpu = await createGpu();
  engine = await Engine.create(gpu, await loadModel(sources));
  session = new PruneSession(engine);
});
afterAll(() => { session?.destroy(); engine?.destroy(); gpu?.destroy(); });

describe('studio export job', () => {
  it('refuses to export before anything was pruned', async () => {
    await expect(exclusive('export', (signal) => exportJob(session, sources, zip('x', 'no-run'), signal, () => {})))
      .rejects.toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/prune the model first/) });
  });

  it('re-applies the masks another job reset, and the zip reloads to the pruned perplexity', async () => {
    const outcome = await exclusive('prune', (signal) => pruneJob(session, { metric: 'wanda', sparsity: 0.5, allocation: 'uniform' }, opts, signal, () => {}));
    // What the perplexity panel does: back to dense. The masks on the GPU no longer hold the prune.
    await exclusive('perplexity', async () => session.makeDense());
    const phases: string[] = [];
    let last = { bytes: 0, totalBytes: null as number | null };
    const result = await exclusive('export', (signal) => exportJob(session, sources, zip('stories-wanda-50pct-masked', outcome.pruneId), signal,
      (p) => { if (phases.at(-1) !== p.phase) phases.push(p.phase); last = p; }));
    expect(result.reapplied).toBe(true);
    expect(phases).toEqual(['pruning', 'writing']);
    expect(last.bytes).toBe(last.totalBytes);
    expect(result.location).toBe('stories-wanda-50pct-masked.zip');
    expect(result.ppl).toBe(outcome.ppl);
    expect(result.sourceWeightBytes).toBe(sources.find((s) => s.name.endsWith('model.safetensors'))!.size);

    const entries = unzipSync(new Uint8Array(await result.blob!.arrayBuffer()));
    const report = JSON.parse(new TextDecoder().decode(entries['prunelab-report.json']));
    expect(report.perplexity.pruned).toBe(outcome.ppl);
    const reloaded = await loadModel(Object.entries(entries).map(([n, b]) => bytesSource(b, n)));
    const e2 = await Engine.create(gpu, reloaded, { matmulVariant: engine.matmulVariant });
    const s2 = new PruneSession(e2);
    try {
      const { evaluation } = await s2.windows(opts);
      const ppl = (await s2.evaluate(evaluation, new AbortController().signal)).ppl;
      expect(rel(ppl, outcome.ppl)).toBeLessThan(1e-4);
    } finally { s2.destroy(); e2.destroy(); }

    // Right after an export nothing else ran: a second export uses the masks as they are, to the same bytes.
    const again = await exclusive('export', (signal) => exportJob(session, sources, zip('again', outcome.pruneId), signal, () => {}));
    expect(again.reapplied).toBe(false);
    const weights = unzipSync(new Uint8Array(await again.blob!.arrayBuffer()))['model.safetensors'];
    expect(weights.byteLength).toBe(entries['model.safetensors'].byteLength);
    expect(Buffer.from(weights).equals(Buffer.from(entries['model.safetensors']))).toBe(true);
  });

  it('a structured run (FLAP 30% with bias compensation) exports masked: dense shapes, removed heads and channels zero, compensated biases; it reloads to the pruned perplexity', async () => {
    const request = { metric: 'wanda', structured: 'flap', sparsity: 0.3, allocation: 'uniform' } as const;
    const outcome = await exclusive('prune', (signal) => pruneJob(session, request, opts, signal, () => {}));
    const result = await exclusive('export', (signal) => exportJob(session, sources, zip('stories-flap-30pct-masked', outcome.pruneId), signal, () => {}));
    const entries = unzipSync(new Uint8Array(await result.blob!.arrayBuffer()));
    const reloaded = await loadModel(Object.entries(entries).map(([n, b]) => bytesSource(b, n)));
    expect(reloaded.spec).toMatchObject({ numHeads: engine.spec.numHeads, intermediateSize: engine.spec.intermediateSize, oProjBias: true, mlpBias: true });
    expect(result.summary.zeroed).toBeGreaterThan(0);
    const e2 = await Engine.create(gpu, reloaded, { matmulVariant: engine.matmulVariant });
    const s2 = new PruneSession(e2);
    try {
      const { evaluation } = await s2.windows(opts);
      const ppl = (await s2.evaluate(evaluation, new AbortController().signal)).ppl;
      expect(rel(ppl, outcome.ppl), `reloaded ${ppl} vs studio ${outcome.ppl}`).toBeLessThan(1e-4);
    } finally { s2.destroy(); e2.destroy(); }
  });

  it('refuses a run that is not the last prune (a restored or older run), naming why', async () => {
    const older = await exclusive('prune', (signal) => pruneJob(session, { metric: 'magnitude', sparsity: 0.3, allocation: 'uniform' }, opts, signal, () => {}));
    await exclusive('prune', (signal) => pruneJob(session, { metric: 'magnitude', sparsity: 0.4, allocation: 'uniform' }, opts, signal, () => {}));
    await expect(exclusive('export', (signal) => exportJob(session, sources, zip('x', older.pruneId), signal, () => {})))
      .rejects.toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/not the model's last prune/) });
  });

  it('cancel stops the export with Cancelled', async () => {
    const outcome = await exclusive('prune', (signal) => pruneJob(session, { metric: 'magnitude', sparsity: 0.3, allocation: 'uniform' }, opts, signal, () => {}));
    const run = exclusive('export', (signal) => exportJob(session, sources, zip('x', outcome.pruneId), signal,
      (p) => { if (p.phase === 'writing') cancelRunning(); }));
    await expect(run).rejects.toMatchObject({ code: 'Cancelled' });
  });
});
