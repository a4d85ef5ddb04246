// Reading one document's fields in its dataset's schema. A missing or mistyped field is a BadTaskDocument that names
// the field, the file and the line (JSONL) or row (Parquet), so a file in the wrong schema says what it lacks.
import { clip, quote, quoteList } from '../quote.ts';
import { TaskDataError } from './task-errors.ts';

/** Where a document came from, for messages. */
export interface DocPlace {
  file: string;
  /** 1-based line of a JSONL file, or 1-based row of a Parquet file. */
  index: number;
  unit: 'line' | 'row';
}

export type RawDoc = Record<string, unknown>;

export const describePlace = (at: DocPlace): string => `${clip(at.file, 200)} ${at.unit} ${at.index}`;

function bad(at: DocPlace, field: string, problem: string): TaskDataError {
  return new TaskDataError('BadTaskDocument', `${describePlace(at)}: field "${clip(field)}" ${problem}`);
}

/** The value at a dotted path (`choices.text`), or undefined. */
function valueAt(doc: RawDoc, path: string): unknown {
  let v: unknown = doc;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = (v as RawDoc)[key];
  }
  return v;
}

function present(doc: RawDoc, path: string, at: DocPlace): unknown {
  const v = valueAt(doc, path);
  if (v === undefined) throw bad(at, path, 'is missing');
  return v;
}

/** Every field of a task's schema must be present: a file of another dataset names all it lacks at once. */
export function requireFields(doc: RawDoc, paths: readonly string[], at: DocPlace, task: string): void {
  const missing = paths.filter((p) => valueAt(doc, p) === undefined);
  if (missing.length) {
    throw new TaskDataError('BadTaskDocument', `${describePlace(at)}: field${missing.length > 1 ? 's' : ''} `
      + `${quoteList(missing.map((m) => `"${m}"`))} missing (${task} reads ${quoteList([...paths])})`);
  }
}

export function stringField(doc: RawDoc, path: string, at: DocPlace): string {
  const v = present(doc, path, at);
  if (typeof v !== 'string') throw bad(at, path, `must be a string, got ${quote(v)}`);
  return v;
}

export function stringListField(doc: RawDoc, path: string, at: DocPlace): string[] {
  const v = present(doc, path, at);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(at, path, `must be a list of strings, got ${quote(v)}`);
  if (v.length === 0) throw bad(at, path, 'is an empty list');
  return v as string[];
}

/** An integer class label (a ClassLabel column: a JSON number, or a bigint from Parquet's int64). */
export function integerField(doc: RawDoc, path: string, at: DocPlace): number {
  const v = present(doc, path, at);
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw bad(at, path, `must be an integer, got ${quote(v)}`);
  return n;
}

/** A label stored as the decimal string of an index ("0".."3", HellaSwag), read as lm-eval's template + literal_eval does. */
export function digitStringField(doc: RawDoc, path: string, at: DocPlace): number {
  const v = stringField(doc, path, at);
  if (!/^(0|[1-9][0-9]*)$/.test(v)) throw bad(at, path, `must be the decimal string of an answer index, got ${quote(v)}`);
  return Number(v);
}

/** The gold index must name one of the choices (lm-eval only warns and scores the document 0: we refuse it). */
export function checkGold(gold: number, choices: number, field: string, at: DocPlace): number {
  if (!Number.isInteger(gold) || gold < 0 || gold >= choices) {
    throw new TaskDataError('LabelOutOfRange',
      `${describePlace(at)}: field "${clip(field)}" is ${quote(gold)}, outside the ${choices} choices (0..${choices - 1})`);
  }
  return gold;
}

/** The index of `key` in a list of choice labels (ARC's choices.label.index(answerKey)). */
export function labelIndex(labels: string[], key: string, field: string, at: DocPlace): number {
  const i = labels.indexOf(key);
  if (i < 0) {
    throw new TaskDataError('LabelOutOfRange', `${describePlace(at)}: field "${clip(field)}" is ${quote(key)}, not one of the labels ${quote(labels)}`);
  }
  return i;
}
