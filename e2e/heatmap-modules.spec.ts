// The layers x modules sensitivity heatmap: the "By module" view scans one linear map of one layer per cell,
// cells stream in, cancel keeps them and Resume measures only the missing ones; the grid fills with L x 7 cells
// whose values equal `prunelab scan --by module --json`; the scan is kept in IndexedDB and offered after a reload.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliScan } from './cli-reference.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const SEQ_LEN = 128;
const WINDOWS = 4;
const CALIB_WINDOWS = 4;
const SCAN_WINDOWS = 2;
const LAYERS = 5;
const MODULES = 7;

test('module heatmap: L x 7 cells stream in, cancel + resume, equal the CLI, restored after a reload', async ({ page, problems }) => {
  test.setTimeout(900_000); // the CLI's scan runs beside the page's on a loaded 2-core machine
  const reference = cliScan(STORIES_HF, TINYSTORIES_TEXT, {
    by: 'module', levels: [0.5], seqLen: SEQ_LEN, windows: SCAN_WINDOWS, evalWindows: WINDOWS, calibWindows: CALIB_WINDOWS,
  });
  const protocol = { seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS };
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, protocol);
  await expect(page.getByTestId('scan-view-layer')).toBeChecked();
  await page.getByTestId('scan-view-module').check();
  await page.getByTestId('scan-levels-input').fill('0.5');
  await page.getByTestId('scan-windows-input').fill(String(SCAN_WINDOWS));
  await expect(page.getByTestId('scan-plan')).toHaveText(`${LAYERS * MODULES} cells: ${LAYERS} layers × 7 linear maps × 1 level`);
  await page.getByTestId('run-scan').click();
  const cells = page.getByTestId('module-heatmap-cell');
  await expect(page.getByTestId('scan-progress')).toContainText(/[3-9] \/ 35 cells|[1-3]\d \/ 35 cells/, { timeout: 120_000 });
  await expect(page.getByTestId('scan-view-layer')).toBeDisabled(); // the view stays while its scan runs
  await page.getByTestId('cancel-scan').click();
  await expect(page.getByTestId('scan-cancelled')).toBeVisible({ timeout: 60_000 });
  const kept = await cells.count();
  expect(kept).toBeGreaterThan(2);
  expect(kept).toBeLessThan(LAYERS * MODULES);
  const firstBefore = await cells.first().getAttribute('data-delta');
  await page.getByTestId('module-heatmap').scrollIntoViewIfNeeded();
  await page.getByTestId('resume-scan').click();
  await expect(page.getByTestId('scan-progress')).toContainText(`/ ${LAYERS * MODULES} cells`);
  await expect(cells).toHaveCount(LAYERS * MODULES, { timeout: 200_000 });
  await expect(page.getByTestId('scan-dense')).toBeVisible({ timeout: 30_000 });
  expect(await cells.first().getAttribute('data-delta')).toBe(firstBefore); // kept cells are not measured again
  await expect(page.getByTestId('module-heatmap-legend')).toContainText('perplexity increase over dense');
  await expect(page.getByTestId('module-heatmap')).toContainText('gate');
  const gate = page.locator('[data-testid="module-heatmap-cell"][data-layer="2"][data-module="gate"]');
  await expect(gate.locator('title')).toContainText('layer 2 · gate at 50% sparsity: perplexity');

  // Every cell equals the CLI's (same windows, calibration and levels).
  const cli = await reference;
  const shown = await cells.evaluateAll((els) => els.map((e) => ({
    layer: Number(e.getAttribute('data-layer')), module: e.getAttribute('data-module'), delta: Number(e.getAttribute('data-delta')),
    ppl: Number(e.getAttribute('data-ppl')),
  })));
  expect(shown).toHaveLength(cli.cells.length);
  for (const c of shown) {
    const ref = cli.cells.find((r) => r.layer === c.layer && r.module === c.module)!;
    expect(Math.abs(c.ppl - ref.ppl) / ref.ppl, `layer ${c.layer} ${c.module}`).toBeLessThan(1e-5);
  }
  const refGate = cli.cells.find((r) => r.layer === 2 && r.module === 'gate')!;
  const note = `layer 2 gate at 50%: studio Δ ${await gate.getAttribute('data-delta')}, CLI Δ ${refGate.deltaPpl}`;
  test.info().annotations.push({ type: 'cell', description: note });
  console.log(note);
  expect(Math.abs(Number(await gate.getAttribute('data-delta')) - refGate.deltaPpl)).toBeLessThan(1e-4 * refGate.ppl);

  // The levels view keeps its own (empty) grid; flipping back shows the module grid again.
  await page.getByTestId('scan-view-layer').check();
  await expect(page.getByTestId('module-heatmap')).toHaveCount(0);
  await page.getByTestId('scan-view-module').check();
  await expect(cells).toHaveCount(LAYERS * MODULES);

  await page.mouse.move(0, 0);
  const card = page.locator('section[aria-labelledby="scan-heading"]');
  await card.screenshot({ path: 'e2e/screenshots/panels-module-heatmap-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await card.screenshot({ path: 'e2e/screenshots/panels-module-heatmap-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });
  expect(problems.consoleErrors, 'console errors while scanning').toEqual([]);

  // Kept in this browser: after a reload the same model offers the module heatmap back.
  await page.reload();
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, protocol);
  await page.getByTestId('restore-module-scan').click();
  await expect(page.getByTestId('scan-view-module')).toBeChecked();
  await expect(cells).toHaveCount(LAYERS * MODULES);
});
