// The zero-shot task flags of the commands that evaluate a model on tasks: --tasks a,b --data a=FILE,b=FILE
// [--limit N]. FILE is a path or a Hub dataset file (hf://datasets/owner/name[@revision]/file). Every file is read
// and checked before the model is opened.
import { BadRequest } from '../core/errors.ts';
import { quote } from '../core/quote.ts';
import { loadTaskData, type TaskData } from '../core/zeroshot/task-data.ts';
import { taskByName } from '../core/zeroshot/task-registry.ts';
import { optionalInt, requireString, type CliValues } from './args.ts';
import { readDataFile } from './data-files.ts';

/** "a=FILE,b=FILE" as a map from task name to file. */
function parseDataFlag(flag: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const part of flag.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new BadRequest(`--data takes TASK=FILE pairs separated by commas (got ${quote(part)})`);
    const name = part.slice(0, eq).trim();
    if (files.has(name)) throw new BadRequest(`--data names task ${quote(name)} twice`);
    files.set(name, part.slice(eq + 1));
  }
  return files;
}

/** The tasks of --tasks with their documents from --data (the first --limit of each). */
export async function readTaskFlags(values: CliValues): Promise<TaskData[]> {
  const names = requireString(values, 'tasks').split(',').map((s) => s.trim());
  const files = parseDataFlag(requireString(values, 'data'));
  const limit = optionalInt(values, 'limit');
  if (limit === 0) throw new BadRequest('--limit must be at least 1');
  const tasks = names.map(taskByName);
  if (new Set(names).size !== names.length) throw new BadRequest(`--tasks names a task twice (${quote(names.join(','))})`);
  for (const name of files.keys()) {
    if (!names.includes(name)) throw new BadRequest(`--data gives a file for ${quote(name)}, which --tasks does not name`);
  }
  const out: TaskData[] = [];
  for (const task of tasks) {
    const file = files.get(task.name);
    if (file === undefined) throw new BadRequest(`--data has no file for task ${quote(task.name)} (give ${task.name}=FILE in the ${task.dataset.path} schema)`);
    const data = await readDataFile(file, 'task file');
    out.push(await loadTaskData(task, data.bytes, file, limit, data.hub));
  }
  return out;
}

/** The task flags of a command whose zero-shot evaluation is optional: null when none of them is given. */
export function optionalTaskFlags(values: CliValues): Promise<TaskData[] | null> {
  const given = values.tasks !== undefined || values.data !== undefined || values.limit !== undefined;
  return given ? readTaskFlags(values) : Promise.resolve(null);
}
