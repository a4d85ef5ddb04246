import { describe, expect, it } from 'vitest';
import { parseHfConfig } from '../formats/hf-config.ts';
import { describeLayerPattern, describeRope } from './describe-architecture.ts';

const config = (extra: Record<string, unknown>) => parseHfConfig(JSON.stringify({ model_type: 'llama', hidden_size: 64,
  intermediate_size: 128, num_hidden_layers: 4, num_attention_heads: 4, vocab_size: 100, ...extra }));

describe('describeRope / describeLayerPattern', () => {
  it('name the RoPE type with its numbers, and runs of equal layers', () => {
    const llama32 = config({ rope_parameters: { rope_type: 'llama3', rope_theta: 500000, factor: 32, low_freq_factor: 1,
      high_freq_factor: 4, original_max_position_embeddings: 8192 } });
    expect(describeRope(llama32)).toBe('llama3 (theta 500000, factor 32, original context 8192)');
    expect(describeLayerPattern(llama32)).toBe('all layers RoPE + full attention');
    expect(describeRope(config({}))).toBe('default (theta 10000)');
    const smol = config({ model_type: 'smollm3' });
    expect(describeLayerPattern(smol)).toBe('0-2 RoPE + full attention · 3 NoPE + full attention');
    const qwen3 = config({ model_type: 'qwen3', use_sliding_window: true, sliding_window: 256, max_window_layers: 2 });
    expect(describeLayerPattern(qwen3)).toBe('0-1 RoPE + full attention · 2-3 RoPE + sliding window 256; q/k norms');
  });
});
