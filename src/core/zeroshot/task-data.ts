// One task's evaluation input: its definition, the documents read from a file (the first `limit`), and the file's
// SHA-256, which every result carries so a number can be traced to the exact data.
import { sha256Hex } from '../engine/windows.ts';
import type { ZeroShotTask } from './task-definition.ts';
import type { TaskDocument } from './task-documents.ts';
import { readTaskFile } from './read-task-file.ts';
import type { HubFileOrigin } from '../hub/hub-file.ts';

export interface TaskData {
  task: ZeroShotTask;
  documents: TaskDocument[];
  /** The file's name as given (messages, results). */
  file: string;
  sha256: string;
  /** The --limit asked for (null: every document). */
  limit: number | null;
  /** Set when the file came from a Hub dataset: which one, at which revision (results carry it with the SHA-256). */
  hub?: HubFileOrigin;
}

export async function loadTaskData(task: ZeroShotTask, bytes: Uint8Array, file: string, limit?: number, hub?: HubFileOrigin): Promise<TaskData> {
  const documents = await readTaskFile(bytes, file, limit);
  return { task, documents, file, sha256: await sha256Hex(bytes), limit: limit ?? null, ...(hub ? { hub } : {}) };
}
