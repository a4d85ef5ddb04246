// Token ids for speed runs without a text (random-weight models, `prunelab bench` without --text): a fixed,
// deterministic spread over the vocabulary. Perplexities on them mean nothing; tokens/s do.
export function syntheticTokenIds(n: number, vocabSize: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 7919 + 13) % vocabSize);
}
