// The result of a zero-shot evaluation, with the protocol that produced it (lm-eval's definitions, BOS, data hashes,
// the model's fingerprint) so a number can be reproduced and compared.
import type { TaskName, ZeroShotTask } from './task-definition.ts';
import type { DocumentScore, MeanWithStderr } from './choice-metrics.ts';
import type { HubFileOrigin } from '../hub/hub-file.ts';

export interface TaskResult {
  task: TaskName;
  /** lm-eval's task version (the YAML's metadata.version). */
  version: string;
  dataset: ZeroShotTask['dataset'];
  /** The metrics lm-eval reports for this task; accNorm is null where it reports acc only. */
  metrics: ZeroShotTask['metrics'];
  acc: MeanWithStderr;
  accNorm: MeanWithStderr | null;
  documents: number;
  limit: number | null;
  requests: number;
  /** Requests whose context was cut from the left to fit the model's maximum length. */
  truncated: number;
  dataFile: string;
  dataSha256: string;
  /** The Hub dataset, revision and path the file came from (absent for a local file). */
  dataHub?: HubFileOrigin;
  seconds: number;
  /** Per document: log-likelihoods, predictions and scores (in file order). */
  perDocument: DocumentScore[];
}

export interface ZeroShotReport {
  tasks: TaskResult[];
  seconds: number;
  protocol: {
    harness: 'lm-evaluation-harness multiple_choice, 0-shot, HF causal loglikelihood';
    numFewshot: 0;
    targetDelimiter: string;
    /** BOS before every context (and so before every pair's encoding); empty contexts use BOS (else EOS) alone. */
    addBos: boolean;
    bosId: number | null;
    /** lm-eval's max_length: inputs are cut from the left to this many tokens. */
    maxLength: number;
    modelHash: string;
    prunelabVersion: string;
  };
}
