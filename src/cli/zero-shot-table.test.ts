// The zero-shot table's protocol line (fast tier): every task's data hash, the Hub dataset and revision a file came
// from, and the limit.
import { describe, expect, it } from 'vitest';
import { formatZeroShotTable } from './zero-shot-table.ts';
import type { TaskResult, ZeroShotReport } from '../core/zeroshot/zero-shot-report.ts';

const m = (value: number) => ({ value, stderr: 0.1 });
const task = (name: 'arc_easy' | 'hellaswag', extra: Partial<TaskResult>): TaskResult => ({
  task: name, version: '1.0', dataset: { path: 'x', name: null, split: 'test' } as never, metrics: ['acc', 'acc_norm'], acc: m(0.5), accNorm: m(0.25),
  documents: 4, limit: 4, requests: 16, truncated: 0, dataFile: `${name}.jsonl`, dataSha256: `${name === 'arc_easy' ? 'a' : 'b'}`.repeat(64),
  seconds: 1, perDocument: [], ...extra,
});

describe('zero-shot table', () => {
  it('names the Hub dataset and revision after the hash of a file that came from the Hub', () => {
    const report: ZeroShotReport = {
      tasks: [
        task('arc_easy', { dataHub: { kind: 'dataset', id: 'allenai/ai2_arc', revision: 'r1', file: 'ARC-Easy/test.parquet', url: 'http://h/x' } }),
        task('hellaswag', { limit: null }),
      ],
      seconds: 2,
      protocol: { harness: 'lm-evaluation-harness multiple_choice, 0-shot, HF causal loglikelihood', numFewshot: 0, targetDelimiter: ' ',
        addBos: true, bosId: 1, maxLength: 512, modelHash: 'c'.repeat(64), prunelabVersion: '0' },
    };
    const protocol = formatZeroShotTable(report).split('\n').at(-1)!;
    expect(protocol).toBe('0-shot, lm-eval multiple_choice; BOS on (id 1); max length 512; model cccccccccccc; '
      + 'data sha256 arc_easy aaaaaaaaaaaa (allenai/ai2_arc@r1) (limit 4), hellaswag bbbbbbbbbbbb; 2.0 s');
  });
});
