// Greedy generation with the KV cache, following llama2.c's loop: `steps` counts positions including the
// prompt (BOS + prompt tokens); generation stops early at BOS or EOS.
import { BadRequest } from '../errors.ts';
import type { Engine } from './engine.ts';

export interface GenerateOptions {
  prompt?: string;
  steps: number;
  /** Called with each new token's decoded text. */
  onToken?: (piece: string) => void;
  signal?: AbortSignal;
}

export interface GenerateResult { ids: number[]; text: string; tokensPerSecond: number }

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

export async function generateGreedy(engine: Engine, opts: GenerateOptions): Promise<GenerateResult> {
  const tok = engine.model.tokenizer;
  const prompt = [...(tok.bosId !== null ? [tok.bosId] : []), ...(opts.prompt ? tok.encode(opts.prompt) : [])];
  if (prompt.length === 0) throw new BadRequest('generation needs a prompt or a BOS token');
  const steps = Math.min(opts.steps, engine.spec.maxPositions);
  if (!Number.isInteger(steps) || steps < 1) throw new BadRequest(`steps must be a positive integer (got ${opts.steps})`);
  if (prompt.length >= steps) throw new BadRequest(`the prompt has ${prompt.length} tokens, not fewer than steps (${steps})`);
  const start = performance.now();
  const generated: number[] = [];
  let prev = prompt[prompt.length - 1];
  let logits = await engine.lastLogits(prompt, 0, steps);
  for (let pos = prompt.length - 1; pos < steps; pos++) {
    if (opts.signal?.aborted) break;
    const next = argmax(logits);
    if (next === tok.bosId || next === tok.eosId) break;
    generated.push(next);
    opts.onToken?.(tok.decode([next], prev));
    prev = next;
    if (pos + 1 < steps) logits = await engine.lastLogits([next], pos + 1, steps);
  }
  // Decode once at the end so multi-byte characters split over <0xNN> tokens come out whole.
  const text = tok.decode(generated, prompt[prompt.length - 1]);
  return { ids: generated, text, tokensPerSecond: generated.length / ((performance.now() - start) / 1000) };
}
