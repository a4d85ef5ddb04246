// A Gemma 3 model in the studio: a seeded random gemma3_text model in the exact Hub layout (transformers 5 config:
// rope_parameters per layer type, dtype bfloat16; three sliding layers with a 24-token window shorter than the 64-token
// evaluation windows, one global layer; (1 + w) sandwich norms, GeGLU, q/k norms, soft-capped logits) with
// stories260K's tokenizer. Drop it, read the model card, evaluate (equal to `prunelab ppl`), prune Wanda 50% and
// export masked, prune heads + channels 50% and export compact, and reload both exports in a fresh studio to the
// pruned perplexity (1e-4). Screenshot of the model card.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomHfModel } from '../src/core/model/random-model.ts';
import type { ModelSpec } from '../src/core/model/spec.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliPerplexity } from './cli-reference.ts';
import { denseAsCli, exportsReload, removeExportDirs } from './export-flow.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const PROTOCOL = { seqLen: 64, windows: 4, calibWindows: 4 };
const gemma3: ModelSpec = {
  architecture: 'gemma3_text', hiddenSize: 64, intermediateSize: 128, numLayers: 4, numHeads: 4, numKvHeads: 2, headDim: 16,
  vocabSize: 512, maxPositions: 256, rmsNormEps: 1e-6, ropeTheta: 1e6, slidingWindow: 24, slidingLayers: [0, 1, 2],
  slidingRope: { theta: 10000 }, qkNorm: true, normUnitOffset: true, sandwichNorms: true, mlpActivation: 'gelu_tanh',
  embedScale: 8, attentionScale: 1 / 4, finalLogitSoftcap: 30, tieWordEmbeddings: true, attentionBias: false, bosTokenId: 1, eosTokenId: 2,
};
const dir = mkdtempSync(join(tmpdir(), 'prunelab-e2e-gemma3-'));
test.beforeAll(() => {
  const { configJson, safetensors } = randomHfModel(gemma3, { seed: 7, dtype: 'BF16', layout: 'transformers5', scale: 0.5 });
  writeFileSync(join(dir, 'config.json'), configJson);
  writeFileSync(join(dir, 'model.safetensors'), safetensors);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(STORIES_HF, f), join(dir, f));
});
test.afterAll(() => { removeExportDirs(); rmSync(dir, { recursive: true, force: true }); });

test('a Gemma 3 model: model card, perplexity as the CLI, Wanda 50% masked and heads + channels 50% compact exports reload', async ({ page, browser, problems }) => {
  test.setTimeout(600_000);
  const cli = cliPerplexity(dir, TINYSTORIES_TEXT, PROTOCOL.seqLen, PROTOCOL.windows);
  await openWithModel(page, dir, TINYSTORIES_TEXT, PROTOCOL);
  await expect(page.getByTestId('summary-architecture')).toHaveText('gemma3_text');
  await expect(page.getByTestId('summary-dtype')).toHaveText('BF16');
  await expect(page.getByTestId('summary-rope')).toHaveText('default (theta 1000000)');
  await expect(page.getByTestId('summary-layer-pattern')).toContainText('0-2 RoPE + sliding window 24 · 3 RoPE + full attention');
  await expect(page.getByTestId('summary-layer-pattern')).toContainText('GeGLU');
  await page.getByTestId('model-summary').screenshot({ path: 'e2e/screenshots/model-card-gemma3.png' });

  const dense = await denseAsCli(page, cli, 'gemma3');
  await exportsReload(page, browser, TINYSTORIES_TEXT, PROTOCOL, { label: 'gemma3', dense, unstructured: 50, structured: 50 });
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
