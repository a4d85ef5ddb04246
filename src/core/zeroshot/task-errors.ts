// Typed failures of zero-shot task data: every message names the task or file, the line (or row) and the field.
import { PrunelabError } from '../errors.ts';

export type TaskErrorCode =
  /** A task name Prunelab does not define. */
  | 'UnknownTask'
  /** A document lacks a field of its dataset's schema, or holds a value of the wrong type. */
  | 'BadTaskDocument'
  /** The file (or its first --limit documents) holds no document. */
  | 'EmptyTaskData'
  /** A document's gold answer names no choice (an index past the choices, a key not among the labels). */
  | 'LabelOutOfRange'
  /** A continuation that tokenizes to no token: it has no log-likelihood. */
  | 'EmptyContinuation'
  /** The file is not JSONL or Parquet, or cannot be parsed as one. */
  | 'BadTaskFile';

export class TaskDataError extends PrunelabError {
  constructor(code: TaskErrorCode, message: string) {
    super(code, message);
  }
}
