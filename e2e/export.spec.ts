// Export round trip in Chromium's WebGPU: prune stories260K (structured Wanda-sp 30%, then unstructured Wanda
// 50%), download the export as one zip, unzip it on the Node side, drop the folder into a fresh studio and
// check that its dense perplexity equals the pruned perplexity the studio showed (1e-4 relative, through the
// 5-decimal NLL); the report in the zip carries the same number. The structured run's ONNX download, evaluated by
// onnxruntime-node through `prunelab ppl`, gives it within 1e-3. "Save to a folder" writes the same files through
// the File System Access API (the picker is stubbed with the origin-private file system, which headless Chromium
// grants). Screenshots of the export panel.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliPerplexity } from './cli-reference.ts';
import { downloadExport, pruneTo, reloadedPerplexity, removeExportDirs } from './export-flow.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const PROTOCOL = { seqLen: 128, windows: 4, calibWindows: 4 };
test.afterAll(removeExportDirs);

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** sha-256 of every file in the origin-private folder `name` (read in the page). */
function opfsHashes(page: Page, name: string): Promise<Record<string, string>> {
  return page.evaluate(async (sub) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(sub);
    const out: Record<string, string> = {};
    for await (const [file, handle] of (dir as unknown as AsyncIterable<[string, FileSystemFileHandle]>)) {
      const bytes = await (await handle.getFile()).arrayBuffer();
      out[file] = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
    return out;
  }, name);
}

test('export downloads as a zip and reloads to the pruned perplexity (structured 30%, unstructured 50%)', async ({ page, browser, problems }) => {
  test.setTimeout(600_000);
  // The folder picker needs a user's answer; the origin-private file system is a real directory handle without one.
  await page.addInitScript(() => {
    Object.assign(window, { showDirectoryPicker: async () => navigator.storage.getDirectory() });
  });
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, PROTOCOL);
  await expect(page.getByTestId('export-panel')).toHaveCount(0); // nothing pruned yet

  // Structured Wanda-sp 30%: compact is offered and written.
  await page.getByTestId('nm-heads').check();
  const structuredPpl = await pruneTo(page, 30, true);
  await expect(page.getByTestId('export-panel')).toBeVisible();
  await expect(page.getByTestId('export-loaders')).toContainText('Loads anywhere the original loads');
  await page.getByTestId('export-format-compact').check();
  await expect(page.getByTestId('export-loaders')).toContainText('only Prunelab reloads it');
  await page.getByTestId('export-panel').scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await page.getByTestId('export-panel').screenshot({ path: 'e2e/screenshots/export-panel-light.png' });
  const compact = await downloadExport(page, 'compact', 'wanda-sp-30pct');
  expect(compact.names).toEqual(['apply_masks.py', 'config.json', 'generation_config.json', 'model.safetensors', 'prunelab-report.json',
    'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
  expect(compact.report.export.variant).toMatch(/^compact-(hf|prunelab)$/);
  await expect(page.getByTestId('export-variant')).toHaveText(compact.report.export.variant);
  await page.getByTestId('export-panel').screenshot({ path: 'e2e/screenshots/export-done-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.getByTestId('export-panel').screenshot({ path: 'e2e/screenshots/export-done-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });

  // The same run as ONNX (compacted), evaluated by onnxruntime-node while the test goes on.
  const onnx = await downloadExport(page, 'onnx', 'wanda-sp-30pct');
  expect(onnx.names).toContain('model.onnx');
  expect(onnx.report.export.variant).toBe('onnx-compact');
  const onnxPpl = cliPerplexity(join(onnx.dir, 'model.onnx'), TINYSTORIES_TEXT, PROTOCOL.seqLen, PROTOCOL.windows);

  // Unstructured Wanda 50%: compact is refused with the core's reason; masked is written.
  await page.getByTestId('nm-off').check();
  const unstructuredPpl = await pruneTo(page, 50, false);
  await page.getByTestId('export-format-compact').check();
  await expect(page.getByTestId('export-problem')).toContainText('compact needs structured pruning');
  await expect(page.getByTestId('export-zip')).toBeDisabled();
  await page.getByTestId('export-format-masked').check();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.getByTestId('export-panel').screenshot({ path: 'e2e/screenshots/export-panel-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });
  const masked = await downloadExport(page, 'masked', 'wanda-50pct');
  expect(masked.report.export.variant).toBe('masked');

  // The same export into a folder: streamed file by file by the worker, the same bytes as in the zip.
  await page.getByTestId('export-folder').click();
  await expect(page.getByTestId('export-location')).toHaveText(/^\/[\w.-]+-wanda-50pct-masked$/, { timeout: 60_000 });
  const folder = (await page.getByTestId('export-location').textContent())!.slice(1);
  const written = await opfsHashes(page, folder);
  expect(Object.keys(written).sort()).toEqual(masked.names);
  for (const name of masked.names.filter((n) => n !== 'prunelab-report.json')) { // the report has its own timings
    expect(written[name], name).toBe(createHash('sha256').update(readFileSync(join(masked.dir, name))).digest('hex'));
  }

  for (const [name, shown, exp] of [['compact 30%', structuredPpl, compact], ['masked 50%', unstructuredPpl, masked]] as const) {
    const reloaded = await reloadedPerplexity(browser, exp.dir, TINYSTORIES_TEXT, PROTOCOL);
    const line = `${name}: studio showed ${shown}, report ${exp.report.perplexity.pruned}, reloaded ${reloaded.ppl} (exp NLL ${Math.exp(reloaded.nll)})`;
    test.info().annotations.push({ type: 'round trip', description: line });
    console.log(line);
    expect(rel(shown, exp.report.perplexity.pruned)).toBeLessThan(1e-4); // the panel shows 4 decimals of it
    expect(rel(Math.exp(reloaded.nll), exp.report.perplexity.pruned)).toBeLessThan(1e-4);
    expect(rel(reloaded.ppl, shown)).toBeLessThan(1e-4);
  }
  const runtime = (await onnxPpl).ppl;
  test.info().annotations.push({ type: 'onnx', description: `onnxruntime-node ${runtime}, studio ${structuredPpl}` });
  console.log(`onnx compact 30%: onnxruntime-node ${runtime}, report ${compact.report.perplexity.pruned}`);
  expect(rel(runtime, compact.report.perplexity.pruned)).toBeLessThan(1e-3);
  expect(problems.consoleErrors, 'console errors while exporting').toEqual([]);
});
