// The studio's prune -> export -> reload steps, shared by the export round-trip specs: move the slider, download the
// export zip and unzip it, reload a folder in a fresh browser context and read its dense perplexity.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, Page } from '@playwright/test';
import { expect, openWithModel } from './fixtures.ts';

const dirs: string[] = [];
/** Removes the folders downloadExport unzipped into (call from test.afterAll). */
export function removeExportDirs(): void { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); }

/** Moves the keyboard-operated slider to `percent` (5% steps) and waits for that run's result. */
export async function pruneTo(page: Page, percent: number, structured: boolean): Promise<number> {
  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  const now = Number((await page.getByTestId('sparsity-value').textContent())!.replace('%', ''));
  for (let v = now; v !== percent; v += percent > v ? 5 : -5) await page.keyboard.press(percent > v ? 'ArrowRight' : 'ArrowLeft');
  const protocol = page.getByTestId('prune-protocol');
  await expect(protocol).toContainText(`${structured ? 'heads + channels: ' : ''}${percent}% requested`, { timeout: 150_000 });
  if (!structured) await expect(protocol).not.toContainText('heads + channels');
  await expect(page.getByTestId('prune-progress')).toHaveCount(0);
  return Number(await page.getByTestId('pruned-ppl').textContent());
}

/** Exports in `format` through the zip button; returns the unzipped folder and its entries. */
export async function downloadExport(page: Page, format: 'masked' | 'compact' | 'onnx', method: string): Promise<{ dir: string; names: string[]; report: { perplexity: { pruned: number }; export: { variant: string } } }> {
  await page.getByTestId(`export-format-${format}`).check();
  await expect(page.getByTestId('export-problem')).toHaveCount(0);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('export-zip').click()]);
  await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 60_000 });
  expect(download.suggestedFilename()).toMatch(new RegExp(`^[\\w.-]+-${method}-${format}\\.zip$`));
  const entries = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const dir = mkdtempSync(join(tmpdir(), `prunelab-e2e-export-${format}-`));
  dirs.push(dir);
  for (const [name, bytes] of Object.entries(entries)) writeFileSync(join(dir, name), bytes);
  const report = JSON.parse(new TextDecoder().decode(entries['prunelab-report.json']));
  return { dir, names: Object.keys(entries).sort(), report };
}

/** Opens a fresh studio (new browser context: no cache, no saved work), drops `dir`, returns its dense perplexity on `text`. */
export async function reloadedPerplexity(browser: Browser, dir: string, text: string,
  protocol: { seqLen: number; windows: number; calibWindows?: number }): Promise<{ ppl: number; nll: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await openWithModel(page, dir, text, protocol);
    await page.getByTestId('run-ppl').click();
    await expect(page.getByTestId('ppl-value')).toBeVisible({ timeout: 120_000 });
    const nll = Number((await page.getByTestId('ppl-nll').textContent())!.replace(' nats', ''));
    const ppl = Number(await page.getByTestId('ppl-value').textContent());
    expect(errors).toEqual([]);
    return { ppl, nll };
  } finally {
    await context.close();
  }
}


const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** Runs the dense evaluation in the studio (the model and text already loaded) and checks it equals `prunelab ppl`. */
export async function denseAsCli(page: Page, cli: Promise<{ ppl: number }>, label: string): Promise<number> {
  await page.getByTestId('run-ppl').click();
  await expect(page.getByTestId('ppl-value')).toBeVisible({ timeout: 120_000 });
  const dense = Number(await page.getByTestId('ppl-value').textContent());
  const reference = (await cli).ppl;
  console.log(`${label} dense: studio ${dense}, prunelab ppl ${reference}`);
  expect(rel(dense, reference)).toBeLessThan(1e-4);
  return dense;
}

/**
 * The architecture round trip: Wanda at `unstructured`% exported masked, heads + channels at `structured`% exported
 * compact (their export names say so), both reloaded in a fresh studio to the pruned perplexity (1e-4), each prune
 * well away from `dense`. Returns the two unzipped exports.
 */
export async function exportsReload(page: Page, browser: Browser, text: string, protocol: { seqLen: number; windows: number; calibWindows?: number },
  opts: { label: string; dense: number; unstructured: number; structured: number }) {
  const wanda = await pruneTo(page, opts.unstructured, false);
  const masked = await downloadExport(page, 'masked', `wanda-${opts.unstructured}pct`);
  expect(masked.report.export.variant).toBe('masked');
  await page.getByTestId('nm-heads').check();
  const structured = await pruneTo(page, opts.structured, true);
  const compact = await downloadExport(page, 'compact', `wanda-sp-${opts.structured}pct`);
  expect(compact.report.export.variant).toMatch(/^compact-(hf|prunelab)$/);
  for (const [name, shown, exp] of [[`masked Wanda ${opts.unstructured}%`, wanda, masked], [`compact heads + channels ${opts.structured}%`, structured, compact]] as const) {
    const reloaded = await reloadedPerplexity(browser, exp.dir, text, protocol);
    console.log(`${opts.label} ${name}: studio ${shown}, report ${exp.report.perplexity.pruned}, reloaded ${reloaded.ppl}`);
    expect(rel(Math.exp(reloaded.nll), exp.report.perplexity.pruned)).toBeLessThan(1e-4);
    expect(rel(reloaded.ppl, shown)).toBeLessThan(1e-4);
    expect(rel(shown, opts.dense), 'the prune changed the model well past the reload tolerance').toBeGreaterThan(1e-3);
  }
  return { masked, compact };
}
