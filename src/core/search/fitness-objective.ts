// What the Self-Pruner search minimises, as data: perplexity on the evaluation windows (the paper's fitness, the
// default) or the zero-shot error on a task subset, 1 - the mean over the tasks of acc_norm (acc for a task lm-eval
// reports without acc_norm: boolq, rte, winogrande). Lower is better for both, so the loop, the survivors, the
// operators and the fitness cache stay as they are; only the evaluation and the LLM prompts' wording change.
import { BadRequest } from '../errors.ts';
import { quote } from '../quote.ts';
import type { ZeroShotOptions } from '../zeroshot/evaluate-zero-shot.ts';
import type { TaskData } from '../zeroshot/task-data.ts';
import type { TaskResult, ZeroShotReport } from '../zeroshot/zero-shot-report.ts';

export const FITNESS_KINDS = ['ppl', 'zeroshot'] as const;
export type FitnessKind = (typeof FITNESS_KINDS)[number];

export type FitnessObjective =
  | { kind: 'ppl'; windows: number[][] }
  | { kind: 'zeroshot'; tasks: TaskData[]; encodeElsewhere?: ZeroShotOptions['encodeElsewhere'] };

/** How the optimizer (the LLM prompts) is told what fitness means. */
export interface ObjectiveDescription {
  /** A noun for "fitness = ...", e.g. "perplexity". */
  name: string;
  /** What it measures, completing "Its fitness is ...". */
  definition: string;
}

export const PERPLEXITY_OBJECTIVE: ObjectiveDescription = {
  name: 'perplexity', definition: 'the perplexity of the model pruned with that vector',
};

export function parseFitnessKind(text: string): FitnessKind {
  if (!(FITNESS_KINDS as readonly string[]).includes(text)) {
    throw new BadRequest(`unknown fitness ${quote(text)} (expected ${FITNESS_KINDS.join(' or ')}: perplexity, or the mean zero-shot acc_norm of the given tasks)`);
  }
  return text as FitnessKind;
}

/** A task's score in the mean: acc_norm where lm-eval reports it, else acc. */
export const taskScore = (t: Pick<TaskResult, 'acc' | 'accNorm'>): number => (t.accNorm ?? t.acc).value;

/** 1 - mean over the report's tasks of their score (in [0, 1], lower is better). */
export function zeroShotError(report: Pick<ZeroShotReport, 'tasks'>): number {
  if (report.tasks.length === 0) throw new BadRequest('the zero-shot fitness needs at least one task');
  return 1 - report.tasks.reduce((s, t) => s + taskScore(t), 0) / report.tasks.length;
}

export function describeObjective(o: FitnessObjective): ObjectiveDescription {
  if (o.kind === 'ppl') return PERPLEXITY_OBJECTIVE;
  const tasks = o.tasks.map((t) => `${t.task.name} (${t.documents.length} documents, ${t.task.metrics.includes('acc_norm') ? 'acc_norm' : 'acc'})`);
  return {
    name: 'zero-shot error',
    definition: `the zero-shot error of the model pruned with that vector, 1 - the mean accuracy over the multiple-choice tasks ${tasks.join(', ')}`,
  };
}

/** The search protocol's record of the objective (absent: perplexity, as every state before this option). */
export function objectiveProtocol(o: FitnessObjective): string | undefined {
  if (o.kind === 'ppl') return undefined;
  return `zeroshot 1-mean(acc_norm|acc): ${o.tasks.map((t) => `${t.task.name} ${t.sha256}${t.limit === null ? '' : ` limit ${t.limit}`}`).join(', ')}`;
}

/** The tasks a zero-shot protocol record names (objectiveProtocol's inverse), so a saved or resumed run can say
 * which files to pick; null for perplexity or a record this version did not write. */
export function objectiveTasksOf(protocol: string | undefined): Array<{ name: string; sha256: string; limit: number | null }> | null {
  const prefix = 'zeroshot 1-mean(acc_norm|acc): ';
  if (!protocol?.startsWith(prefix)) return null;
  const tasks = protocol.slice(prefix.length).split(', ').map((part) => /^(\S+) ([0-9a-f]+)(?: limit (\d+))?$/.exec(part));
  if (tasks.some((t) => t === null)) return null;
  return tasks.map((t) => ({ name: t![1], sha256: t![2], limit: t![3] === undefined ? null : Number(t![3]) }));
}
