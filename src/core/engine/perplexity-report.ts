// The result of one perplexity evaluation, with the protocol that produced it (so numbers are reproducible).
import type { AdapterSummary } from '../gpu/device.ts';

export interface PerplexityOptions {
  /** Window length in tokens (the literature's seqLen). */
  seqLen: number;
  /** Evaluate only the first N windows (default: all complete windows). */
  maxWindows?: number;
  signal?: AbortSignal;
  /** Called after each window. */
  onProgress?: (windowsDone: number, windowsTotal: number) => void;
  /** The text's ids as tokenizeForEval gives them, already computed (the studio tokenizes where cancel can stop it). */
  ids?: number[];
}

export interface PerplexityReport {
  ppl: number;
  /** Mean negative log-likelihood (nats) over predicted tokens. */
  nll: number;
  /** Number of predicted tokens (windows x (seqLen - 1)). */
  tokens: number;
  windows: number;
  seqLen: number;
  tokensPerSecond: number;
  seconds: number;
  adapter: Pick<AdapterSummary, 'vendor' | 'architecture' | 'description' | 'isFallback'>;
  protocol: {
    modelHash: string;
    textHash: string;
    addBos: boolean;
    /** Total tokens in the text after tokenization (incl. BOS when added). */
    textTokens: number;
    prunelabVersion: string;
  };
}
