// A GPT-2 model in the studio: a seeded random gpt2 folder in the exact Hub layout (Conv1D [in, out] weights, fused
// c_attn, wpe, LayerNorms with biases, gelu_new, tied lm_head) with a GPT-2-style byte-level BPE tokenizer.json.
// Drop it, read the model card, evaluate (equal to `prunelab ppl`), prune Wanda 50% and export masked (written back
// in the Conv1D layout), prune heads + channels 30% and export compact (heads go with their k / v rows), and reload
// both exports in a fresh studio to the pruned perplexity (1e-4). Screenshot of the model card.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomHfModel } from '../src/core/model/random-model.ts';
import type { ModelSpec } from '../src/core/model/spec.ts';
import { tinyGpt2 } from '../test/helpers/architecture-cases.ts';
import { byteLevelTokenizerJson } from '../test/helpers/byte-level-tokenizer.ts';
import { TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliPerplexity } from './cli-reference.ts';
import { denseAsCli, exportsReload, removeExportDirs } from './export-flow.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const PROTOCOL = { seqLen: 32, windows: 4, calibWindows: 4 };
const dir = mkdtempSync(join(tmpdir(), 'prunelab-e2e-gpt2-'));
const model = join(dir, 'model');
// A byte-level tokenizer with a handful of merges makes ~1 token per byte: 12 KB of TinyStories is plenty.
const text = join(dir, 'tinystories-12k.txt');
test.beforeAll(() => {
  const tok = byteLevelTokenizerJson();
  const spec: ModelSpec = { ...tinyGpt2, hiddenSize: 64, intermediateSize: 96, numHeads: 4, numKvHeads: 4, headDim: 16,
    vocabSize: tok.vocabSize, maxPositions: 128, bosTokenId: tok.endOfText, eosTokenId: tok.endOfText };
  const { configJson, safetensors } = randomHfModel(spec, { seed: 11, dtype: 'F32', scale: 0.25 });
  mkdirSync(model);
  writeFileSync(join(model, 'config.json'), configJson);
  writeFileSync(join(model, 'model.safetensors'), safetensors);
  writeFileSync(join(model, 'tokenizer.json'), JSON.stringify(tok.json));
  writeFileSync(text, readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 12_000));
});
test.afterAll(() => { removeExportDirs(); rmSync(dir, { recursive: true, force: true }); });

test('a GPT-2 model: model card, perplexity as the CLI, Wanda 50% masked and heads + channels 30% compact exports reload', async ({ page, browser, problems }) => {
  test.setTimeout(600_000);
  const cli = cliPerplexity(model, text, PROTOCOL.seqLen, PROTOCOL.windows);
  await openWithModel(page, model, text, PROTOCOL);
  await expect(page.getByTestId('summary-architecture')).toHaveText('gpt2');
  await expect(page.getByTestId('summary-rope')).toContainText('learned absolute positions (128)');
  await expect(page.getByTestId('summary-layer-pattern')).toContainText('LayerNorms with bias');
  await expect(page.getByTestId('summary-layer-pattern')).toContainText('plain MLP (gelu tanh)');
  await page.getByTestId('model-summary').screenshot({ path: 'e2e/screenshots/model-card-gpt2.png' });

  const dense = await denseAsCli(page, cli, 'gpt2');
  const { masked } = await exportsReload(page, browser, text, PROTOCOL, { label: 'gpt2', dense, unstructured: 50, structured: 30 });
  // Masked keeps GPT-2's own layout: the fused c_attn stored [in, out].
  const header = readFileSync(join(masked.dir, 'model.safetensors'));
  const json = JSON.parse(new TextDecoder().decode(header.subarray(8, 8 + Number(header.readBigUInt64LE(0)))));
  expect(json['h.0.attn.c_attn.weight'].shape).toEqual([64, 192]);
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
