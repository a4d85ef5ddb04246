// A zero-shot multiple-choice task as lm-eval-harness defines it (output_type: multiple_choice, num_fewshot 0, no
// description): per document, the requests (context, target_delimiter + continuation) it scores, the choice strings
// acc_norm divides by, and the gold index.
import type { DocPlace, RawDoc } from './doc-fields.ts';

export const TASK_NAMES = ['boolq', 'rte', 'hellaswag', 'winogrande', 'arc_easy', 'arc_challenge', 'openbookqa', 'piqa'] as const;
export type TaskName = typeof TASK_NAMES[number];

/** lm-eval's TaskConfig default target_delimiter: the continuation of every request starts with it. */
export const TARGET_DELIMITER = ' ';

export interface ChoiceRequests {
  /** One context per choice: the same doc_to_text for every choice, or (winogrande's partial scoring) one per choice. */
  contexts: string[];
  /** One continuation per choice, target_delimiter included. */
  continuations: string[];
  /** doc_to_choice: acc_norm divides each log-likelihood by len() of these (code points, delimiter excluded). */
  choices: string[];
  gold: number;
}

export interface ZeroShotTask {
  name: TaskName;
  /** lm-eval's metadata.version of the task's YAML. */
  version: string;
  /** The Hugging Face dataset lm-eval reads (dataset_path, dataset_name) and the split it evaluates. */
  dataset: { path: string; name: string | null; split: string };
  /** The metrics lm-eval's YAML lists: boolq, rte and winogrande report acc only. */
  metrics: ReadonlyArray<'acc' | 'acc_norm'>;
  /** The fields of the dataset's schema this task reads (dotted for nested ones), for messages and docs. */
  fields: readonly string[];
  /** Builds the requests of one document in the dataset's schema; a bad document throws a TaskDataError naming `at`. */
  requests(doc: RawDoc, at: DocPlace): ChoiceRequests;
}

/** The requests of a task whose choices are continuations of one shared context (every task but winogrande). */
export function sharedContext(context: string, choices: string[], gold: number): ChoiceRequests {
  return {
    contexts: choices.map(() => context),
    continuations: choices.map((c) => TARGET_DELIMITER + c),
    choices,
    gold,
  };
}
