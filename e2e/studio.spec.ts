// The studio end to end in Chromium's WebGPU: load stories260K, run perplexity, compare with the CLI;
// every corrupt-model case shows its typed error and the page recovers; cancellation; the no-WebGPU message.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { corruptCases } from '../test/helpers/corrupt-models.ts';
import { cliPerplexity, type CliPpl } from './cli-reference.ts';
import { expect, openStudio, test } from './fixtures.ts';

const SEQ_LEN = 256;
const WINDOWS = 4;
const modelFiles = (dir: string) => readdirSync(dir).map((f) => join(dir, f));

let cli: Promise<CliPpl> | null = null;
const cliReference = () => (cli ??= cliPerplexity(STORIES_HF, TINYSTORIES_TEXT, SEQ_LEN, WINDOWS));

test('stories260K perplexity in the studio equals the CLI', async ({ page, problems }) => {
  const reference = cliReference();
  await openStudio(page);
  await expect(page.getByTestId('no-webgpu')).toHaveCount(0);

  await page.getByTestId('model-file-input').setInputFiles(modelFiles(STORIES_HF));
  const summary = page.getByTestId('model-summary');
  await expect(summary).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('summary-architecture')).toHaveText('llama');
  await expect(page.getByTestId('summary-layers')).toHaveText('5');
  await expect(page.getByTestId('summary-heads')).toHaveText('8');
  await expect(page.getByTestId('summary-kv-heads')).toHaveText('4');
  await expect(page.getByTestId('summary-head-dim')).toHaveText('8');
  await expect(page.getByTestId('summary-vocab')).toHaveText('512');
  await expect(page.getByTestId('summary-dtype')).toHaveText('F32');
  // SwiftShader is a software adapter: the measured pick, not timed; the kernel is named on the card.
  await expect(page.getByTestId('summary-matmul')).toHaveText(/^blocked16x16 · a software adapter's measured pick( · subgroups of \d+)?$/);
  await summary.screenshot({ path: 'e2e/screenshots/model-card-matmul.png' });

  await page.getByTestId('text-file-input').setInputFiles(TINYSTORIES_TEXT);
  await expect(page.getByTestId('text-info')).toContainText('validation-prefix.txt');
  await page.getByTestId('seq-len-input').fill(String(SEQ_LEN));
  await page.getByTestId('max-windows-input').fill(String(WINDOWS));
  await page.getByTestId('run-ppl').click();

  const value = page.getByTestId('ppl-value');
  await expect(value).toBeVisible({ timeout: 150_000 });
  await expect(page.getByTestId('ppl-windows')).toHaveText(`${WINDOWS} × ${SEQ_LEN}`);
  await expect(page.getByTestId('ppl-tokens')).toHaveText((WINDOWS * (SEQ_LEN - 1)).toLocaleString('en-US'));
  const shown = Number(await value.textContent());
  const expected = (await reference).ppl;
  test.info().annotations.push({ type: 'perplexity', description: `studio ${shown}, CLI ${expected}` });
  if (shown.toFixed(4) !== expected.toFixed(4)) {
    expect(Math.abs(shown - expected) / expected).toBeLessThan(1e-4);
  }

  await page.screenshot({ path: 'e2e/screenshots/studio-perplexity-light.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300); // let the colour transitions finish
  await page.screenshot({ path: 'e2e/screenshots/studio-perplexity-dark.png', fullPage: true });
  await page.setViewportSize({ width: 420, height: 900 });
  await page.screenshot({ path: 'e2e/screenshots/studio-perplexity-narrow.png', fullPage: true });

  expect(problems.consoleErrors, 'console errors during the happy path').toEqual([]);
});

/** The files a corrupt case changed relative to the good fixture: the ones its error must name. */
function changedFiles(files: Record<string, Uint8Array>): string[] {
  return Object.entries(files).filter(([name, bytes]) => !Buffer.from(bytes).equals(readFileSync(join(STORIES_HF, name))))
    .map(([name]) => name);
}

for (const c of corruptCases()) {
  test(`corrupt model (${c.name}) shows ${c.code} naming the problem`, async ({ page }) => {
    const dir = mkdtempSync(join(tmpdir(), 'prunelab-corrupt-'));
    for (const [name, bytes] of Object.entries(c.files)) writeFileSync(join(dir, name), bytes);

    await openStudio(page);
    await page.getByTestId('model-file-input').setInputFiles(modelFiles(dir));
    const box = page.getByTestId('error-box');
    await expect(box).toBeVisible({ timeout: 30_000 }); // a load that never ends fails here instead of hanging
    await expect(box).toHaveAttribute('data-error-code', c.code);
    await expect(page.getByTestId('error-code')).toHaveText(c.code);
    const message = page.getByTestId('error-message');
    await expect(message).toHaveText(c.message);
    // UnsupportedArchitecture names the model_type it cannot run (c.message), not the file it read it from.
    if (c.code !== 'UnsupportedArchitecture') {
      for (const file of changedFiles(c.files)) await expect(message).toContainText(file);
    }
    await expect(page.getByTestId('model-summary')).toHaveCount(0);
    await expect(page.getByTestId('model-loading')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Pick files…' })).toBeEnabled(); // not stuck in "loading"

    // The page stays usable: the good model loads right after the failure (one case is enough: every load
    // failure leaves the store the same way, and each reload costs seconds).
    if (c.name === 'truncated file') {
      await page.screenshot({ path: 'e2e/screenshots/studio-bad-model.png', fullPage: true });
      await page.getByTestId('model-file-input').setInputFiles(modelFiles(STORIES_HF));
      await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 60_000 });
      await expect(page.getByTestId('error-box')).toHaveCount(0);
      await expect(page.getByTestId('summary-layers')).toHaveText('5');
    }
  });
}

test('cancel stops a running evaluation', async ({ page }) => {
  await openStudio(page);
  await page.getByTestId('model-file-input').setInputFiles(modelFiles(STORIES_HF));
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('text-file-input').setInputFiles(TINYSTORIES_TEXT);
  await page.getByTestId('max-windows-input').fill('0'); // the whole text: hundreds of windows
  await page.getByTestId('run-ppl').click();
  const progress = page.getByTestId('ppl-progress');
  await expect(progress).toContainText(/[1-9]\d* \/ \d+ windows/, { timeout: 120_000 });
  await expect(progress).toContainText(/left/);
  await page.screenshot({ path: 'e2e/screenshots/studio-running.png', fullPage: true });
  await page.getByTestId('cancel-ppl').click();
  await expect(page.getByTestId('ppl-cancelled')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('ppl-value')).toHaveCount(0);
  await expect(page.getByTestId('run-ppl')).toBeEnabled();
});

test('without WebGPU the page says which browsers and flags work', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto('/');
  const notice = page.getByTestId('no-webgpu');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('Chrome or Edge');
  await expect(notice).toContainText('--enable-unsafe-webgpu');
  await expect(page.getByTestId('run-ppl')).toBeDisabled();
});

test('a model folder loads through the folder picker and through a drop', async ({ page }) => {
  await openStudio(page);
  // <input webkitdirectory>: the card is titled with the folder name.
  await page.getByTestId('model-folder-input').setInputFiles(STORIES_HF);
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#summary-heading')).toHaveText('stories260K');

  // A drop of plain files (what a synthetic DataTransfer carries; real folder drops are walked as entries).
  const files = readdirSync(STORIES_HF).map((name) => ({ name, data: readFileSync(join(STORIES_HF, name)).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name));
    return dt;
  }, files);
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('model-loading').or(page.getByTestId('model-summary'))).toBeVisible();
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('summary-layers')).toHaveText('5');
});
