// The eight zero-shot tasks by lm-eval's task name, and the parsing of a --tasks list.
import { quote, quoteList } from '../quote.ts';
import { TASK_NAMES, type TaskName, type ZeroShotTask } from './task-definition.ts';
import { TaskDataError } from './task-errors.ts';
import { boolq } from './tasks/boolq.ts';
import { rte } from './tasks/rte.ts';
import { hellaswag } from './tasks/hellaswag.ts';
import { winogrande } from './tasks/winogrande.ts';
import { arcChallenge, arcEasy } from './tasks/arc.ts';
import { openbookqa } from './tasks/openbookqa.ts';
import { piqa } from './tasks/piqa.ts';

export const ZERO_SHOT_TASKS: Readonly<Record<TaskName, ZeroShotTask>> = {
  boolq, rte, hellaswag, winogrande, arc_easy: arcEasy, arc_challenge: arcChallenge, openbookqa, piqa,
};

export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}

export function taskByName(name: string): ZeroShotTask {
  if (!isTaskName(name)) {
    throw new TaskDataError('UnknownTask', `unknown task ${quote(name)}; the tasks are ${quoteList([...TASK_NAMES])}`);
  }
  return ZERO_SHOT_TASKS[name];
}
