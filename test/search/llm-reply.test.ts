// Strict parsing of optimizer-LLM replies: where the JSON is found, what is rejected and the exact error sentences
// (they go back to the LLM in the retry, so they must say what to fix).
import { describe, expect, it } from 'vitest';
import { extractJson, parseInitReply, parseRatesReply, parseSelectionReply } from '../../src/core/search/llm-reply.ts';

const fail = (error: string) => ({ ok: false, error });

describe('extractJson', () => {
  it('takes a bare reply, a fenced block, or the first balanced object in prose', () => {
    expect(extractJson('  {"a": 1}\n')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('Here you go:\n```json\n{"a": [1, 2]}\n```\nGood luck.')).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(extractJson('```\n[3, 4]\n```')).toEqual({ ok: true, value: [3, 4] });
    expect(extractJson('I think {"a": "x}y", "b": {"c": 2}} is best, not {"a": 0}.'))
      .toEqual({ ok: true, value: { a: 'x}y', b: { c: 2 } } });
  });

  it('prefers an object over a vector quoted earlier in the prose, and skips broken spans whole', () => {
    expect(extractJson('Start from [0.3, 0.3] and use {"rates": [0.2, 0.4]}')).toEqual({ ok: true, value: { rates: [0.2, 0.4] } });
    expect(extractJson('{my reasoning: layer 0 [is] sensitive} so {"rates": [0.1]}')).toEqual({ ok: true, value: { rates: [0.1] } });
    // The inner [0.1, 0.2] of a broken answer must not be taken for the answer.
    expect(extractJson('answer: {"vectors": [[0.1, 0.2], [0.3 0.4]]}').ok).toBe(false);
  });

  it('names NaN / Infinity, malformed JSON and missing JSON', () => {
    expect(extractJson('{"rates": [0.1, NaN]}')).toEqual(
      fail('the JSON contains NaN, which is not a number: every entry must be a finite number in [0, 1)'));
    expect(extractJson('so: {"rates": [Infinity, 0.2]} ok')).toEqual(
      fail('the JSON contains Infinity, which is not a number: every entry must be a finite number in [0, 1)'));
    const broken = extractJson('{"rates": [0.1, 0.2,}');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error).toMatch(/^malformed JSON \(/);
    expect(extractJson('I would prune the middle layers more.')).toEqual(fail('the reply contains no JSON object'));
    expect(extractJson('   ')).toEqual(fail('the reply is empty'));
  });
});

describe('parseRatesReply', () => {
  it('accepts L finite entries in [0, 1), also outside [0, p_max] (the search repairs those) and as a bare list', () => {
    expect(parseRatesReply('{"rates": [0, 0.95, 0.5]}', 3)).toEqual({ ok: true, value: [0, 0.95, 0.5] });
    expect(parseRatesReply('[0.1, 0.2, 0.3]', 3)).toEqual({ ok: true, value: [0.1, 0.2, 0.3] });
    expect(parseRatesReply('{"rates": [0.1, 0.2, 0.3], "why": "layer 2 is robust"}', 3)).toEqual({ ok: true, value: [0.1, 0.2, 0.3] });
  });

  it('rejects wrong lengths, strings, out-of-range values and missing keys with precise sentences', () => {
    expect(parseRatesReply('{"rates": [0.1, 0.2]}', 3)).toEqual(fail('rates has 2 entries, expected 3'));
    expect(parseRatesReply('{"rates": [0.1, "0.2", 1, -0.5]}', 4)).toEqual(fail(
      'rates[1] is the string "0.2", expected a finite number; rates[2] is 1, not below 1 (every entry must be in [0, 1)); ' +
      'rates[3] is -0.5, below 0 (every entry must be in [0, 1))'));
    expect(parseRatesReply('{"rate": [0.1]}', 1)).toEqual(fail('rates is missing, expected a list of 1 numbers'));
    expect(parseRatesReply('"0.1, 0.2"', 2)).toEqual(fail('the JSON is the string "0.1, 0.2", expected a JSON object {"rates": [r_1, ..., r_L]}'));
    expect(parseRatesReply('{"rates": [null, 0.2]}', 2)).toEqual(fail('rates[0] is null, expected a finite number'));
  });
});

describe('parseInitReply', () => {
  it('keeps at most `count` vectors and reports per-vector problems', () => {
    expect(parseInitReply('{"vectors": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]}', 2, 2)).toEqual({ ok: true, value: [[0.1, 0.2], [0.3, 0.4]] });
    expect(parseInitReply('{"vectors": [[0.1, 0.2]]}', 2, 5)).toEqual({ ok: true, value: [[0.1, 0.2]] });
    expect(parseInitReply('{"vectors": [[0.1, 0.2, 0.3, 0.4, 0.5], [0.1, 0.2, 0.3, 0.4]]}', 5, 2))
      .toEqual(fail('vector 1 has 4 entries, expected 5'));
    expect(parseInitReply('{"vectors": [[0.1, 2]]}', 2, 2)).toEqual(fail('vectors[0][1] is 2, not below 1 (every entry must be in [0, 1))'));
    expect(parseInitReply('{"vectors": []}', 2, 2)).toEqual(fail('vectors is empty, expected at least 1'));
    // A broken vector past `count` is cut, not judged.
    expect(parseInitReply('{"vectors": [[0.1, 0.2], [7]]}', 2, 1)).toEqual({ ok: true, value: [[0.1, 0.2]] });
  });
});

describe('parseSelectionReply', () => {
  it('truncates extra pairs and mutants, rejects too few and bad indices', () => {
    expect(parseSelectionReply('{"pairs": [[0, 1], [2, 3], [1, 1]], "mutate": [3, 0, 2]}', 4, 2, 2))
      .toEqual({ ok: true, value: { pairs: [[0, 1], [2, 3]], mutate: [3, 0] } });
    expect(parseSelectionReply('{"pairs": [[0, 1]], "mutate": []}', 4, 2, 1))
      .toEqual(fail('pairs has 1 entry, expected at least 2; mutate is empty, expected at least 1'));
    expect(parseSelectionReply('{"pairs": [[0, 4], [1.5, 2], [0]], "mutate": [-1]}', 4, 3, 1)).toEqual(fail(
      'pairs[0][1] is 4, expected an index in [0, 3]; pairs[1][0] is 1.5, expected an integer index; ' +
      'pairs[2] is a list, expected a pair [i, j] (and 1 more problems)'));
    expect(parseSelectionReply('{"mutate": [1, 2]}', 4, 0, 2)).toEqual({ ok: true, value: { pairs: [], mutate: [1, 2] } });
    expect(parseSelectionReply('{"mutate": [1, 2]}', 4, 1, 2)).toEqual(fail('pairs is missing, expected a list of pairs [i, j]'));
  });
});

describe('untrusted reply sizes (fuzzing found a reply of 40,000 "{" taking 83 s)', () => {
  it('a reply of 40,000 unbalanced brackets is refused in bounded time', () => {
    const r = extractJson('{'.repeat(40_000));
    expect(r.ok).toBe(false);
  }, 10_000);

  it('a reply over the length bound is refused with its length', () => {
    const r = extractJson(`{"rates": [${'0.5, '.repeat(60_000)}0.5]}`);
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/^the reply is \d+ characters long, over the 200000/) });
  });
});
