// A reference to one file of a Hub dataset, as a data flag takes it instead of a local path:
//   hf://datasets/owner/name[@revision]/path/to/file     (huggingface_hub's HfFileSystem notation, as pandas / DuckDB take it)
//   hf://datasets/owner/name/resolve/revision/path/to/file (the Hub's resolve URL layout)
//   hub:datasets/...                                      (the same after the CLI's hub: prefix for models)
// A revision containing "/" is URL-encoded (refs%2Fpr%2F1), as HfFileSystem writes it.
import { HubError } from './hub-errors.ts';
import { validateRepoId, validateRepoPath, validateRevision } from './hub-id.ts';

export interface HubDatasetFileRef {
  /** owner/name */
  id: string;
  /** Absent: the default branch. */
  revision?: string;
  /** Path inside the repository. */
  file: string;
}

export const HUB_DATA_PREFIXES = ['hf://', 'hub:'] as const;
const FORMS = 'hf://datasets/owner/name[@revision]/file or hf://datasets/owner/name/resolve/revision/file';

const bad = (ref: string, why: string): never => {
  throw new HubError('BadHubId', `${JSON.stringify(ref.length > 200 ? `${ref.slice(0, 200)}...` : ref)} is not a Hub dataset file: ${why} (expected ${FORMS})`);
};

function decodeRevision(ref: string, raw: string): string {
  let revision: string;
  try { revision = decodeURIComponent(raw); } catch { return bad(ref, `the revision ${JSON.stringify(raw)} is not URL-encoded correctly`); }
  if (revision === '') bad(ref, 'the revision is empty');
  return validateRevision(revision);
}

/** The dataset file a reference names; null when `ref` carries no Hub prefix (it is then a local path). */
export function parseHubDatasetRef(ref: string): HubDatasetFileRef | null {
  const prefix = HUB_DATA_PREFIXES.find((p) => ref.startsWith(p));
  if (prefix === undefined) return null;
  const rest = ref.slice(prefix.length);
  if (!rest.startsWith('datasets/')) bad(ref, 'data comes from a dataset repository, so the reference starts with datasets/');
  const segs = rest.slice('datasets/'.length).split('/');
  if (segs.length < 3) bad(ref, 'it names no file inside the repository');
  const [owner, nameRev, ...tail] = segs;
  const at = nameRev.indexOf('@');
  const name = at >= 0 ? nameRev.slice(0, at) : nameRev;
  const id = validateRepoId(`${owner}/${name}`, 'dataset');
  let revision: string | undefined = at >= 0 ? decodeRevision(ref, nameRev.slice(at + 1)) : undefined;
  let path = tail;
  if (tail[0] === 'resolve') {
    if (revision !== undefined) bad(ref, 'it gives the revision twice (@revision and /resolve/revision/)');
    if (tail.length < 3) bad(ref, 'after /resolve/ come the revision and the file');
    revision = decodeRevision(ref, tail[1]);
    path = tail.slice(2);
  }
  return { id, ...(revision === undefined ? {} : { revision }), file: validateRepoPath(path.join('/')) };
}
