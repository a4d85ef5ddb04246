// prunelab on GPT-2 and OPT folders as the Hub lays them out (config.json, model.safetensors with GPT-2's Conv1D /
// fused c_attn or OPT's decoder names, a GPT-2 byte-level tokenizer.json): ppl, generate, structured prune with a
// compact export, unstructured prune with masked and ONNX exports; every exported folder reloads (prunelab ppl, or
// onnxruntime-node for model.onnx) to the pruned perplexity.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';
import { tinyGpt2, tinyOpt } from '../helpers/architecture-cases.ts';
import { byteLevelTokenizerJson } from '../helpers/byte-level-tokenizer.ts';

const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const tmp = mkdtempSync(join(tmpdir(), 'prunelab-gpt2-opt-cli-'));
// The first 12 KB of TinyStories: a byte-level tokenizer with five merges makes ~1 token per byte, and every CLI
// call tokenizes its texts again.
const text = join(tmp, 'tinystories-12k.txt');
writeFileSync(text, readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 12_000));
const eval32 = ['--text', text, '--seq-len', '32', '--windows', '2'];
const calib = ['--calib', text, '--calib-offset', '6000', '--calib-windows', '2'];
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeModel(name: string, spec: ModelSpec): string {
  const tok = byteLevelTokenizerJson();
  const full: ModelSpec = { ...spec, hiddenSize: 64, intermediateSize: 96, numHeads: 4, numKvHeads: 4, headDim: 16,
    vocabSize: tok.vocabSize, maxPositions: 128, bosTokenId: tok.endOfText, eosTokenId: tok.endOfText };
  const { configJson, safetensors } = randomHfModel(full, { seed: 7, dtype: 'BF16', scale: 0.5 });
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), configJson);
  writeFileSync(join(dir, 'model.safetensors'), safetensors);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.json));
  return dir;
}

// GPT-2 writes its unstructured prune masked (Conv1D / fused c_attn back in the Hub layout), OPT as ONNX.
describe.each([['gpt2', tinyGpt2, 'masked'], ['opt', tinyOpt, 'onnx']] as const)('prunelab on a %s folder', (name, spec, format) => {
  const model = writeModel(name, spec);

  it(`ppl and generate run; wanda-sp 30% compact and wanda 50% ${format} exports reload to the pruned perplexity`, async () => {
    const dense = await runCli(['ppl', '--model', model, ...eval32, '--json']);
    expect(dense.stderr).toBe('');
    const densePpl = last(dense.stdout).ppl;
    expect(Number.isFinite(densePpl)).toBe(true);
    const gen = await runCli(['generate', '--model', model, '--prompt', 'Once upon a time', '--steps', '24']);
    expect(gen.code, gen.stderr).toBe(0);

    const compactDir = join(tmp, `${name}-sp`);
    const sp = await runCli(['prune', '--model', model, ...eval32, ...calib, '--structured', 'wanda-sp', '--sparsity', '0.3',
      '--out', compactDir, '--format', 'compact', '--json']);
    expect(sp.code, sp.stderr).toBe(0);
    const spJson = last(sp.stdout);
    expect(spJson.keptHeads.every((h: number) => h < 4), 'heads removed (each with its k / v rows)').toBe(true);
    const config = JSON.parse(readFileSync(join(compactDir, 'config.json'), 'utf8'));
    expect(config.model_type).toBe(name);
    expect(config.prunelab, 'fewer heads of the same head_dim need per-layer widths').toBeDefined();
    const reloaded = last((await runCli(['ppl', '--model', compactDir, ...eval32, '--json'])).stdout).ppl;
    expect(Math.abs(reloaded / spJson.ppl - 1)).toBeLessThan(1e-4);

    {
      const out = join(tmp, `${name}-wanda-${format}`);
      const w = await runCli(['prune', '--model', model, ...eval32, ...calib, '--method', 'wanda', '--alloc', 'uniform', '--sparsity', '0.5',
        '--out', out, '--format', format, '--json']);
      expect(w.code, w.stderr).toBe(0);
      const pruned = last(w.stdout).ppl;
      expect(pruned).toBeGreaterThan(0);
      const back = await runCli(['ppl', '--model', format === 'onnx' ? join(out, 'model.onnx') : out, ...eval32, '--json']);
      expect(back.code, back.stderr).toBe(0);
      expect(Math.abs(last(back.stdout).ppl / pruned - 1), `${format} reload`).toBeLessThan(format === 'onnx' ? 1e-3 : 1e-4);
      console.log(`${name} CLI: dense ${densePpl}, wanda-sp 30% ${spJson.ppl} (reloaded ${reloaded}), wanda 50% ${pruned} (${format} reload ${last(back.stdout).ppl})`);
    }
  });
});
