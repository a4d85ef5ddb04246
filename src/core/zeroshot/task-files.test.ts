// Reading task files (JSONL, Parquet) and the errors bad data gives: the missing field and its line, an empty file,
// a label out of range, a continuation that tokenizes to nothing.
import { describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { TextTokenizer } from '../model/loaded-model.ts';
import { loadTaskData } from './task-data.ts';
import { ZERO_SHOT_TASKS } from './task-registry.ts';
import { RequestEncoder } from './context-continuation.ts';
import { tokenizeTask } from './evaluate-zero-shot.ts';
import { TaskDataError } from './task-errors.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const arcDoc = (answerKey: string) => ({ id: 'x', question: 'Where is the cat?', choices: { text: ['home', 'away'], label: ['A', 'B'] }, answerKey });
const hellaswagDoc = (label: string) => ({ activity_label: 'Story', ctx_a: 'A dog ran.', ctx_b: 'it', endings: ['barked.', 'slept.'], label });
const jsonl = (...docs: unknown[]) => bytes(docs.map((d) => JSON.stringify(d)).join('\n') + '\n');

/** Words as tokens, each with the spaces before it ("Answer:", " yes"), ids by first appearance; a space run at the end is its own token. */
function wordTokenizer(bosId: number | null = 1): TextTokenizer {
  const ids = new Map<string, number>();
  return {
    vocabSize: 1000, bosId, eosId: 2, addBos: false,
    encode: (text) => (text.match(/\s*\S+|\s+$/g) ?? []).map((w) => {
      if (!ids.has(w)) ids.set(w, 3 + ids.size);
      return ids.get(w)!;
    }),
    decode: () => '',
  };
}

async function expectTaskError(p: Promise<unknown> | (() => unknown), code: string, message: RegExp): Promise<void> {
  const run = typeof p === 'function' ? Promise.resolve().then(p) : p;
  const e = await run.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(TaskDataError);
  expect((e as TaskDataError).code).toBe(code);
  expect((e as Error).message).toMatch(message);
}

describe('task files', () => {
  it('reads JSONL in file order, skips blank lines, takes the first --limit documents and hashes the whole file', async () => {
    const file = bytes(`${JSON.stringify(arcDoc('A'))}\n\n${JSON.stringify(arcDoc('B'))}\r\n${JSON.stringify(arcDoc('A'))}\n`);
    const all = await loadTaskData(ZERO_SHOT_TASKS.arc_easy, file, 'arc.jsonl');
    expect(all.documents.map((d) => [d.at.index, d.doc.answerKey])).toEqual([[1, 'A'], [3, 'B'], [4, 'A']]);
    expect(all.sha256).toMatch(/^[0-9a-f]{64}$/);
    const two = await loadTaskData(ZERO_SHOT_TASKS.arc_easy, file, 'arc.jsonl', 2);
    expect(two.documents.length).toBe(2);
    expect(two.limit).toBe(2);
    expect(two.sha256).toBe(all.sha256);
  });

  it('reads Parquet rows (structs as objects, lists as arrays, int64 as bigint) like the JSONL documents', async () => {
    const parquet = new Uint8Array(parquetWriteBuffer({ columnData: [
      { name: 'goal', data: ['Open a jar', 'Dry a shirt'] },
      { name: 'sol1', data: ['Twist the lid.', 'Put it in water.'] },
      { name: 'sol2', data: ['Freeze the lid.', 'Hang it in the sun.'] },
      { name: 'label', data: [0n, 1n] },
    ] }));
    const data = await loadTaskData(ZERO_SHOT_TASKS.piqa, parquet, 'piqa.parquet');
    expect(data.documents.map(({ doc, at }) => ZERO_SHOT_TASKS.piqa.requests(doc, at))).toEqual([
      { contexts: Array(2).fill('Question: Open a jar\nAnswer:'), continuations: [' Twist the lid.', ' Freeze the lid.'], choices: ['Twist the lid.', 'Freeze the lid.'], gold: 0 },
      { contexts: Array(2).fill('Question: Dry a shirt\nAnswer:'), continuations: [' Put it in water.', ' Hang it in the sun.'], choices: ['Put it in water.', 'Hang it in the sun.'], gold: 1 },
    ]);
    const arc = new Uint8Array(parquetWriteBuffer({ columnData: [
      { name: 'question', data: ['Where is the cat?'] },
      { name: 'choices', data: [{ text: ['home', 'away'], label: ['A', 'B'] }] },
      { name: 'answerKey', data: ['B'] },
    ] }));
    const [d] = (await loadTaskData(ZERO_SHOT_TASKS.arc_challenge, arc, 'arc.parquet', 5)).documents;
    expect(ZERO_SHOT_TASKS.arc_challenge.requests(d.doc, d.at).gold).toBe(1);
    await expectTaskError(loadTaskData(ZERO_SHOT_TASKS.arc_challenge, arc.slice(0, 200), 'cut.parquet'), 'BadTaskFile', /cut\.parquet: not a readable Parquet file/);
  });

  it('a file in another task\'s schema names the missing field and the line', async () => {
    const data = await loadTaskData(ZERO_SHOT_TASKS.hellaswag, jsonl(hellaswagDoc('0'), arcDoc('A')), 'mixed.jsonl');
    const encoder = new RequestEncoder(wordTokenizer(), false);
    await expectTaskError(() => tokenizeTask(data, encoder), 'BadTaskDocument', /^mixed\.jsonl line 2: fields "activity_label", "ctx_a", "ctx_b", "endings", "label" missing \(hellaswag reads activity_label, ctx_a, ctx_b, endings, label\)$/);
    const wrongType = await loadTaskData(ZERO_SHOT_TASKS.arc_easy, jsonl({ ...arcDoc('A'), choices: { text: 'home', label: ['A'] } }), 'arc.jsonl');
    await expectTaskError(() => tokenizeTask(wrongType, encoder), 'BadTaskDocument', /arc\.jsonl line 1: field "choices\.text" must be a list of strings, got "home"/);
  });

  it('an empty file, a file of blank lines, invalid JSON and a non-object line are typed errors', async () => {
    await expectTaskError(loadTaskData(ZERO_SHOT_TASKS.piqa, bytes(''), 'empty.jsonl'), 'EmptyTaskData', /empty\.jsonl holds no document/);
    await expectTaskError(loadTaskData(ZERO_SHOT_TASKS.piqa, bytes('\n  \n'), 'blank.jsonl'), 'EmptyTaskData', /blank\.jsonl holds no document/);
    await expectTaskError(loadTaskData(ZERO_SHOT_TASKS.piqa, bytes('{"goal": "a"}\n{"goal": \n'), 'bad.jsonl'), 'BadTaskFile', /bad\.jsonl line 2: not valid JSON/);
    await expectTaskError(loadTaskData(ZERO_SHOT_TASKS.piqa, bytes('[1, 2]\n'), 'list.jsonl'), 'BadTaskDocument', /list\.jsonl line 1: a document must be a JSON object/);
    await expectTaskError(loadTaskData(ZERO_SHOT_TASKS.piqa, bytes('{}'), 'x.jsonl', 0), 'BadTaskFile', /limit must be a positive integer/);
  });

  it('a label outside the choices is LabelOutOfRange, naming the value and the line', async () => {
    const encoder = new RequestEncoder(wordTokenizer(), false);
    const hs = await loadTaskData(ZERO_SHOT_TASKS.hellaswag, jsonl(hellaswagDoc('1'), hellaswagDoc('2')), 'hs.jsonl');
    await expectTaskError(() => tokenizeTask(hs, encoder), 'LabelOutOfRange', /hs\.jsonl line 2: field "label" is 2, outside the 2 choices \(0\.\.1\)/);
    const arc = await loadTaskData(ZERO_SHOT_TASKS.arc_easy, jsonl(arcDoc('E')), 'arc.jsonl');
    await expectTaskError(() => tokenizeTask(arc, encoder), 'LabelOutOfRange', /arc\.jsonl line 1: field "answerKey" is "E", not one of the labels \["A","B"\]/);
    const boolq = await loadTaskData(ZERO_SHOT_TASKS.boolq, jsonl({ passage: 'p', question: 'q', label: -1 }), 'boolq.jsonl');
    await expectTaskError(() => tokenizeTask(boolq, encoder), 'LabelOutOfRange', /field "label" is -1/);
    const wino = await loadTaskData(ZERO_SHOT_TASKS.winogrande, jsonl({ sentence: 'A _ b.', option1: 'x', option2: 'y', answer: '' }), 'w.jsonl');
    await expectTaskError(() => tokenizeTask(wino, encoder), 'LabelOutOfRange', /w\.jsonl line 1: field "answer" is "", not "1" or "2"/);
  });

  it('a continuation that tokenizes to nothing is EmptyContinuation, naming the document and choice', async () => {
    // The blank ends the sentence: every context scores " " (the delimiter + an empty remainder), which this
    // tokenizer merges into nothing once the context's trailing whitespace rule has applied.
    const wino = await loadTaskData(ZERO_SHOT_TASKS.winogrande, jsonl({ sentence: 'We saw the _', option1: 'x', option2: 'y', answer: '1' }), 'w.jsonl');
    const noTrailingSpaceToken: TextTokenizer = { ...wordTokenizer(), encode: (t) => wordTokenizer().encode(t.trimEnd()) };
    await expectTaskError(() => tokenizeTask(wino, new RequestEncoder(noTrailingSpaceToken, false)), 'EmptyContinuation',
      /w\.jsonl line 1 choice 0: the continuation " " tokenizes to no token/);
  });
});

describe('the context / continuation token split (lm-eval TemplateLM._encode_pair)', () => {
  it('continuation = tokens of context + continuation after the context\'s count; trailing context spaces move to the continuation', () => {
    const tok = wordTokenizer();
    const enc = new RequestEncoder(tok, false);
    const [answer, yes] = tok.encode('Answer: yes');
    expect(enc.encode('Answer:', ' yes', 'd')).toEqual({ context: [answer], continuation: [yes] });
    // Without the move, "Answer: " would end in a space token and " yes" would lose its space.
    expect(enc.encode('Answer: ', 'yes', 'd')).toEqual({ context: [answer], continuation: [yes] });
  });

  it('BOS first in both encodings when asked, and an empty context conditions on BOS (EOS without one)', () => {
    const tok = wordTokenizer(1);
    const [a, b] = tok.encode('Q: A');
    expect(new RequestEncoder(tok, true).encode('Q:', ' A', 'd')).toEqual({ context: [1, a], continuation: [b] });
    expect(new RequestEncoder(tok, true).encode('', 'Q: A', 'd')).toEqual({ context: [1], continuation: [a, b] });
    expect(new RequestEncoder(wordTokenizer(null), false).encode('', 'Q: A', 'd').context).toEqual([2]);
  });
});
