// A reference to one file of a Hub dataset, as a data flag takes it instead of a local path:
//   hf://datasets/owner/name[@revision]/path/to/file     (huggingface_hub's HfFileSystem notation, as pandas / DuckDB take it)
//   hf://datasets/owner/name/resolve/revision/path/to/file (the Hub's resolve URL layout)
//   hub:datasets/...                                      (the same after the CLI's hub: prefix for models)
// A revision containing "/" is URL-encoded (refs%2Fpr%2F1), as HfFileSystem writes it. The studio's task rows also
// take the reference without its prefix (owner/name[@revision]/file) and the Hub's own file URLs (parseHubDatasetInput).
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

const bad = (ref: string, why: string, forms = FORMS): never => {
  throw new HubError('BadHubId', `${JSON.stringify(ref.length > 200 ? `${ref.slice(0, 200)}...` : ref)} is not a Hub dataset file: ${why} (expected ${forms})`);
};

function decodeRevision(ref: string, raw: string, forms: string): string {
  let revision: string;
  try { revision = decodeURIComponent(raw); } catch { return bad(ref, `the revision ${JSON.stringify(raw)} is not URL-encoded correctly`, forms); }
  if (revision === '') bad(ref, 'the revision is empty', forms);
  return validateRevision(revision);
}

/** `repoPath` is what follows datasets/: owner/name[@revision]/file or owner/name/resolve/revision/file. */
function parseRepoPath(ref: string, repoPath: string, forms: string): HubDatasetFileRef {
  const segs = repoPath.split('/');
  if (segs.length < 3) bad(ref, 'it names no file inside the repository', forms);
  const [owner, nameRev, ...tail] = segs;
  const at = nameRev.indexOf('@');
  const name = at >= 0 ? nameRev.slice(0, at) : nameRev;
  const id = validateRepoId(`${owner}/${name}`, 'dataset');
  let revision: string | undefined = at >= 0 ? decodeRevision(ref, nameRev.slice(at + 1), forms) : undefined;
  let path = tail;
  if (tail[0] === 'resolve') {
    if (revision !== undefined) bad(ref, 'it gives the revision twice (@revision and /resolve/revision/)', forms);
    if (tail.length < 3) bad(ref, 'after /resolve/ come the revision and the file', forms);
    revision = decodeRevision(ref, tail[1], forms);
    path = tail.slice(2);
  }
  return { id, ...(revision === undefined ? {} : { revision }), file: validateRepoPath(path.join('/')) };
}

/** The dataset file a reference names; null when `ref` carries no Hub prefix (it is then a local path). */
export function parseHubDatasetRef(ref: string): HubDatasetFileRef | null {
  const prefix = HUB_DATA_PREFIXES.find((p) => ref.startsWith(p));
  if (prefix === undefined) return null;
  const rest = ref.slice(prefix.length);
  if (!rest.startsWith('datasets/')) bad(ref, 'data comes from a dataset repository, so the reference starts with datasets/');
  return parseRepoPath(ref, rest.slice('datasets/'.length), FORMS);
}

const INPUT_FORMS = 'owner/name[@revision]/path/to/file, hf://datasets/owner/name[@revision]/file or the file\'s Hub URL';

/**
 * A dataset file as typed into a field: the forms above, the same without hf://datasets/, or the file's page or
 * download URL on a Hub (https://huggingface.co/datasets/owner/name/blob|resolve/revision/file; the host is not
 * kept: files come from the base URL the studio is set to). Throws BadHubId naming what is wrong.
 */
export function parseHubDatasetInput(input: string): HubDatasetFileRef {
  const text = input.trim();
  if (text === '') return bad(text, 'it is empty', INPUT_FORMS);
  if (HUB_DATA_PREFIXES.some((p) => text.startsWith(p))) return parseHubDatasetRef(text)!;
  const url = /^https?:\/\/[^/]+\/datasets\/([^?#]*)/.exec(text);
  if (url) {
    // A file's page (/blob/) and its download (/resolve/) name the same file.
    const [owner, name, kind, ...rest] = url[1].split('/');
    if (kind !== 'blob' && kind !== 'resolve') bad(text, 'a Hub URL names a file as /datasets/owner/name/resolve/revision/file', INPUT_FORMS);
    return parseRepoPath(text, [owner, name, 'resolve', ...rest].join('/'), INPUT_FORMS);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) bad(text, 'only hf://, hub: and http(s) Hub URLs are Hub references', INPUT_FORMS);
  return parseRepoPath(text, text.startsWith('datasets/') ? text.slice('datasets/'.length) : text, INPUT_FORMS);
}

/** The reference in its canonical form, hf://datasets/owner/name[@revision]/file (what links and results carry). */
export function hubDatasetRefText(ref: HubDatasetFileRef): string {
  return `hf://datasets/${ref.id}${ref.revision === undefined ? '' : `@${encodeURIComponent(ref.revision)}`}/${ref.file}`;
}
