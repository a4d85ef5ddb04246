// Export of a SparseGPT run from the studio in Chromium's WebGPU: SparseGPT 50% through the slider, the export
// panel offers masked and ONNX (compact is refused with the core's reason) and says the kept weights were updated;
// the masked zip, dropped into a fresh studio, gives the pruned perplexity the studio showed (1e-4 relative), its
// report records SparseGPT's parameters and the updated weights, apply_masks.py warns that the masks alone on the
// original checkpoint are not this model; the ONNX zip evaluated by onnxruntime-node gives it within 1e-3.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, Page } from '@playwright/test';
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliPerplexity } from './cli-reference.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const PROTOCOL = { seqLen: 128, windows: 4, calibWindows: 4 };
const dirs: string[] = [];
test.afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

interface Report {
  method: { metric: string; sparsegpt?: Record<string, unknown> };
  perplexity: { pruned: number };
  export: { variant: string; weightsUpdatedBy: string | null; notes: string[] };
}

/** Downloads the zip of `format` and unzips it into a fresh folder. */
async function downloadExport(page: Page, format: 'masked' | 'onnx'): Promise<{ dir: string; names: string[]; report: Report }> {
  await page.getByTestId(`export-format-${format}`).check();
  await expect(page.getByTestId('export-problem')).toHaveCount(0);
  await expect(page.getByTestId('export-updated-weights')).toContainText('SparseGPT also updated the kept weights');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('export-zip').click()]);
  await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 60_000 });
  expect(download.suggestedFilename()).toMatch(new RegExp(`^[\\w.-]+-sparsegpt-50pct-${format}\\.zip$`));
  const entries = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const dir = mkdtempSync(join(tmpdir(), `prunelab-e2e-sparsegpt-${format}-`));
  dirs.push(dir);
  for (const [name, bytes] of Object.entries(entries)) writeFileSync(join(dir, name), bytes);
  return { dir, names: Object.keys(entries).sort(), report: JSON.parse(new TextDecoder().decode(entries['prunelab-report.json'])) };
}

/** A fresh studio (new browser context) with `dir` dropped in: its dense perplexity's NLL. */
async function reloadedNll(browser: Browser, dir: string): Promise<number> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await openWithModel(page, dir, TINYSTORIES_TEXT, PROTOCOL);
    await page.getByTestId('run-ppl').click();
    await expect(page.getByTestId('ppl-value')).toBeVisible({ timeout: 120_000 });
    return Number((await page.getByTestId('ppl-nll').textContent())!.replace(' nats', ''));
  } finally {
    await context.close();
  }
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

test('SparseGPT 50% exports masked and ONNX with the updated weights; both reload to the pruned perplexity', async ({ page, browser, problems }) => {
  test.setTimeout(600_000);
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, PROTOCOL);
  await page.getByTestId('metric-sparsegpt').check();
  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('50% requested', { timeout: 300_000 });
  await expect(page.getByTestId('prune-progress')).toHaveCount(0);
  const shown = Number(await page.getByTestId('pruned-ppl').textContent());

  await expect(page.getByTestId('export-panel')).toBeVisible();
  await page.getByTestId('export-format-compact').check();
  await expect(page.getByTestId('export-problem')).toContainText('compact needs structured pruning');
  await expect(page.getByTestId('export-zip')).toBeDisabled();

  const onnx = await downloadExport(page, 'onnx');
  expect(onnx.report.export).toMatchObject({ variant: 'onnx-masked', weightsUpdatedBy: 'sparsegpt' });
  const onnxPpl = cliPerplexity(join(onnx.dir, 'model.onnx'), TINYSTORIES_TEXT, PROTOCOL.seqLen, PROTOCOL.windows);

  const masked = await downloadExport(page, 'masked');
  expect(masked.names).toEqual(['apply_masks.py', 'config.json', 'generation_config.json', 'model.safetensors', 'prunelab-report.json',
    'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
  expect(masked.report.method).toMatchObject({ metric: 'sparsegpt', sparsegpt: { blockSize: 128, percDamp: 0.01, weightsUpdated: true } });
  expect(masked.report.export).toMatchObject({ variant: 'masked', weightsUpdatedBy: 'sparsegpt' });
  expect(masked.report.export.notes.join('\n')).toMatch(/SparseGPT updated the kept weights.*float32, bit-exact/);
  expect(readFileSync(join(masked.dir, 'apply_masks.py'), 'utf8')).toContain('WEIGHTS_UPDATED_BY = "sparsegpt"');

  const nll = await reloadedNll(browser, masked.dir);
  const runtime = (await onnxPpl).ppl;
  const line = `SparseGPT 50%: studio showed ${shown}, report ${masked.report.perplexity.pruned}, masked reload exp(NLL) ${Math.exp(nll)}, ` +
    `onnxruntime-node ${runtime}`;
  test.info().annotations.push({ type: 'round trip', description: line });
  console.log(line);
  expect(rel(shown, masked.report.perplexity.pruned)).toBeLessThan(1e-4);
  expect(rel(Math.exp(nll), masked.report.perplexity.pruned)).toBeLessThan(1e-4);
  expect(rel(runtime, masked.report.perplexity.pruned)).toBeLessThan(1e-3);
  expect(problems.consoleErrors, 'console errors while exporting').toEqual([]);
});
