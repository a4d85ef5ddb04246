// Hub dataset file references (fast tier, no network): the forms a data flag accepts, and one typed error per
// malformed reference.
import { describe, expect, it } from 'vitest';
import { parseHubDatasetRef } from './hub-dataset-ref.ts';

const errorOf = (ref: string) => { try { parseHubDatasetRef(ref); } catch (e) { return e as { code: string; message: string }; } return null; };

describe('Hub dataset references', () => {
  it('reads HfFileSystem paths, the resolve layout and the hub: prefix alike; a plain path is not a reference', () => {
    const wiki = { id: 'Salesforce/wikitext', file: 'wikitext-2-raw-v1/test-00000-of-00001.parquet' };
    expect(parseHubDatasetRef('hf://datasets/Salesforce/wikitext/wikitext-2-raw-v1/test-00000-of-00001.parquet')).toEqual(wiki);
    expect(parseHubDatasetRef('hf://datasets/Salesforce/wikitext@b08601e/wikitext-2-raw-v1/test-00000-of-00001.parquet'))
      .toEqual({ ...wiki, revision: 'b08601e' });
    expect(parseHubDatasetRef('hf://datasets/Salesforce/wikitext/resolve/b08601e/wikitext-2-raw-v1/test-00000-of-00001.parquet'))
      .toEqual({ ...wiki, revision: 'b08601e' });
    expect(parseHubDatasetRef('hub:datasets/Rowan/hellaswag@refs%2Fconvert%2Fparquet/default/validation/0000.parquet'))
      .toEqual({ id: 'Rowan/hellaswag', revision: 'refs/convert/parquet', file: 'default/validation/0000.parquet' });
    expect(parseHubDatasetRef('hf://datasets/a/b/resolve/refs%2Fpr%2F2/x.jsonl')).toEqual({ id: 'a/b', revision: 'refs/pr/2', file: 'x.jsonl' });
    for (const local of ['../shared/fixtures/tasks/tinystories-arc.jsonl', '/tmp/hf:/x.parquet', 'datasets/a/b/c.parquet']) {
      expect(parseHubDatasetRef(local)).toBeNull();
    }
  });

  it('a malformed reference is one BadHubId line naming what is wrong', () => {
    const cases: Array<[string, RegExp]> = [
      ['hf://Salesforce/wikitext/x.parquet', /starts with datasets\//],
      ['hf://datasets/Salesforce/wikitext', /names no file inside the repository/],
      ['hf://datasets/Salesforce/wikitext@/x.parquet', /the revision is empty/],
      ['hf://datasets/Salesforce/wikitext@main/resolve/main/x.parquet', /gives the revision twice/],
      ['hf://datasets/Salesforce/wikitext/resolve/main', /after \/resolve\/ come the revision and the file/],
      ['hf://datasets/Sales force/wikitext/x.parquet', /not a Hugging Face dataset id/],
      ['hf://datasets/a/b@%E0%A4%A/x.parquet', /not URL-encoded correctly/],
      ['hf://datasets/a/b/../x.parquet', /not a file path inside a repository/],
      ['hf://datasets/a/b@bad..rev/x.parquet', /not a usable revision/],
    ];
    for (const [ref, message] of cases) {
      const e = errorOf(ref);
      expect(e?.code, ref).toBe('BadHubId');
      expect(e?.message, ref).toMatch(message);
      expect(e?.message.split('\n')).toHaveLength(1);
    }
  });
});
