// The ONNX export runs in the browser: stories260K compacted per layer (heads and MLP channels removed, so every
// layer has its own widths and uneven kv-groups) is written by the core's writeOnnx (in a child process), served
// to Debian's Chromium together with onnxruntime-web's own files from node_modules (no network), and run with
// the wasm execution provider; the first window's logits and its perplexity must equal onnxruntime-node's on the
// same tokens. (The WebGPU EP, ort.webgpu.min.mjs with executionProviders ['webgpu'], gives the same logits
// within 4.2e-5 but takes ~30 s per window on SwiftShader, so it is left out of the suite.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Route } from '@playwright/test';
import { windowNllFromLogits } from '../src/core/export/onnx/onnx-perplexity.ts';
import { expect, test } from './fixtures.ts';

const SEQ = 128, V = 512;
const ORT_DIST = join(process.cwd(), 'node_modules/onnxruntime-web/dist');
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' };
const TYPES: Record<string, string> = { mjs: 'text/javascript', wasm: 'application/wasm', html: 'text/html', onnx: 'application/octet-stream' };

/** The export and onnxruntime-node's logits, from a child process on the core (e2e/onnx-web-reference.ts). */
function exportAndReference(): { onnx: Uint8Array; ids: number[]; logits: Float32Array; heads: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'prunelab-onnx-web-'));
  try {
    const stdout = execFileSync(process.execPath, ['--import', './bin/register.mjs', 'e2e/onnx-web-reference.ts', dir],
      { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
    const ref = JSON.parse(stdout.trim().split('\n').pop()!) as { ids: number[]; logits: number[]; heads: number[] };
    return { onnx: readFileSync(join(dir, 'model.onnx')), ids: ref.ids, logits: Float32Array.from(ref.logits), heads: ref.heads };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** Serves /onnx-web/: a blank isolated page, onnxruntime-web's files from node_modules and the exported model. */
async function serve(page: Page, onnx: Uint8Array): Promise<void> {
  await page.route('**/onnx-web/**', async (route: Route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    const ext = name.split('.').pop()!;
    const body = name === 'index.html' ? '<!doctype html><title>onnx-web</title>'
      : name === 'model.onnx' ? Buffer.from(onnx)
        : /^ort[\w.-]*\.(mjs|wasm)$/.test(name) ? readFileSync(join(ORT_DIST, name)) : null;
    if (body === null) return route.fulfill({ status: 404, body: `not served: ${name}` });
    await route.fulfill({ status: 200, body, headers: { ...isolation, 'Content-Type': TYPES[ext] ?? 'application/octet-stream' } });
  });
  await page.goto('/onnx-web/index.html');
}

/** Runs the model in the page with onnxruntime-web (`bundle`: ort.wasm.min.mjs, or ort.webgpu.min.mjs for 'webgpu'). */
async function runInPage(page: Page, bundle: string, ep: 'wasm' | 'webgpu', ids: number[]) {
  return page.evaluate(async ({ bundle, ep, ids }) => {
    const ort = await import(/* @vite-ignore */ `/onnx-web/${bundle}`);
    ort.env.wasm.wasmPaths = '/onnx-web/';
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create('/onnx-web/model.onnx', { executionProviders: [ep] });
    const input = new ort.Tensor('int64', BigInt64Array.from(ids, (v: number) => BigInt(v)), [1, ids.length]);
    const start = performance.now();
    const out = await session.run({ input_ids: input });
    const ms = performance.now() - start;
    const data = Array.from(out.logits.data as Float32Array);
    await session.release();
    return { logits: data, dims: out.logits.dims as number[], ms, crossOriginIsolated: self.crossOriginIsolated };
  }, { bundle, ep, ids });
}

function compare(web: number[], node: Float32Array, ids: number[]) {
  let maxDiff = 0, maxAbs = 0;
  for (let i = 0; i < node.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(web[i] - node[i]));
    maxAbs = Math.max(maxAbs, Math.abs(node[i]));
  }
  const nllWeb = windowNllFromLogits(Float32Array.from(web), ids, V), nllNode = windowNllFromLogits(node, ids, V);
  return { maxDiff, maxAbs, pplWeb: Math.exp(nllWeb.sum / nllWeb.count), pplNode: Math.exp(nllNode.sum / nllNode.count) };
}

test('onnxruntime-web (wasm) gives onnxruntime-node\'s logits and window perplexity', async ({ page }) => {
  const ref = exportAndReference();
  expect(ref.heads).toEqual([8, 7, 6, 8, 7]);
  await serve(page, ref.onnx);
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

  const wasm = await runInPage(page, 'ort.wasm.min.mjs', 'wasm', ref.ids);
  expect(wasm.dims).toEqual([1, SEQ, V]);
  const w = compare(wasm.logits, ref.logits, ref.ids);
  test.info().annotations.push({ type: 'wasm', description: `window perplexity ${w.pplWeb.toFixed(6)} (node ${w.pplNode.toFixed(6)}), max |web - node| ${w.maxDiff.toExponential(2)}, ${wasm.ms.toFixed(0)} ms` });
  expect(w.maxAbs).toBeGreaterThan(5);
  expect(w.maxDiff).toBeLessThan(1e-3);
  expect(Math.abs(w.pplWeb / w.pplNode - 1)).toBeLessThan(1e-5);
});
