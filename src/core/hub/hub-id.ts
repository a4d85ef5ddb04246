// Hub repository references and the Hub's file URL layout:
//   models:   {base}/{owner}/{name}/resolve/{revision}/{path}
//   datasets: {base}/datasets/{owner}/{name}/resolve/{revision}/{path}
// Everything is validated before anything is fetched, so a typo fails with BadHubId instead of a confusing 404.
import { HubError } from './hub-errors.ts';

export const DEFAULT_HUB_BASE = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';

export type RepoKind = 'model' | 'dataset';

export interface HubRepo {
  kind: RepoKind;
  /** Base URL without a trailing slash. */
  base: string;
  /** owner/name */
  id: string;
  revision: string;
}

export interface HubRepoRequest {
  base?: string;
  id: string;
  revision?: string;
}

// huggingface_hub's rule (validators.py REPO_ID_REGEX): letters, digits, '_', '-', '.'; starts and ends with a
// letter, digit or '_'; at most 96 characters; no '--' or '..'.
const PART = /^\w(?:[\w.-]{0,94}\w)?$/;

export function validateRepoId(id: string, kind: RepoKind = 'model'): string {
  const trimmed = id.trim();
  const what = kind === 'dataset' ? 'dataset id' : 'model id';
  const bad = (why: string): never => {
    throw new HubError('BadHubId', `"${trimmed}" is not a Hugging Face ${what}: ${why} (expected owner/name, e.g. ${kind === 'dataset' ? 'Salesforce/wikitext' : 'HuggingFaceTB/SmolLM2-135M'})`);
  };
  if (trimmed.length === 0) bad('it is empty');
  const parts = trimmed.split('/');
  if (parts.length !== 2) bad(parts.length === 1 ? 'the owner is missing' : 'it has more than one "/"');
  for (const p of parts) {
    if (!PART.test(p)) bad(`"${p}" may only hold letters, digits, "_", "-" and "." (1-96 characters, not starting or ending with "-" or ".")`);
    if (p.includes('--') || p.includes('..')) bad(`"${p}" contains "--" or ".."`);
  }
  if (trimmed.endsWith('.git')) bad('it ends with ".git"');
  return trimmed;
}

/** A branch, tag or commit; sent URL-encoded (so refs/pr/1 works). */
export function validateRevision(revision: string | undefined): string {
  const r = (revision ?? '').trim() || DEFAULT_REVISION;
  if (r.length > 255 || /[\s\u0000-\u001f\u007f]/.test(r) || r.includes('..') || r.startsWith('/') || r.endsWith('/')) {
    throw new HubError('BadHubId', `"${r}" is not a usable revision (a branch, tag or commit hash without spaces or "..")`);
  }
  return r;
}

export function normalizeBase(base: string | undefined): string {
  const raw = (base ?? '').trim() || DEFAULT_HUB_BASE;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HubError('BadHubId', `"${raw}" is not a URL (expected e.g. ${DEFAULT_HUB_BASE})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HubError('BadHubId', `the Hub base URL must be http(s), got "${raw}"`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new HubError('BadHubId', `the Hub base URL must not carry a query, fragment or credentials ("${url.origin}${url.pathname}" would do); give a token in its own field`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

export function hubRepo(req: HubRepoRequest, kind: RepoKind = 'model'): HubRepo {
  return { kind, base: normalizeBase(req.base), id: validateRepoId(req.id, kind), revision: validateRevision(req.revision) };
}

/** A file path inside a repository ("wikitext-2-raw-v1/wiki.test.raw"); every segment is URL-encoded. */
export function validateRepoPath(path: string): string {
  const p = path.trim().replace(/^\/+/, '');
  const segments = p.split('/');
  if (p.length === 0 || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new HubError('BadHubId', `"${path}" is not a file path inside a repository (e.g. wiki.test.raw or folder/file.txt)`);
  }
  return p;
}

export function resolveUrl(repo: HubRepo, path: string): string {
  const file = validateRepoPath(path).split('/').map(encodeURIComponent).join('/');
  const prefix = repo.kind === 'dataset' ? 'datasets/' : '';
  return `${repo.base}/${prefix}${repo.id}/resolve/${encodeURIComponent(repo.revision)}/${file}`;
}

/** "owner/name" for the default revision, else "owner/name@revision". */
export function repoLabel(repo: Pick<HubRepo, 'id' | 'revision'>): string {
  return repo.revision === DEFAULT_REVISION ? repo.id : `${repo.id}@${repo.revision}`;
}

/**
 * What a user may paste: "owner/name", "owner/name@rev", or a model page URL ".../owner/name[/tree/rev]".
 * The revision found in the text (if any) is returned separately; validation happens in hubRepo().
 */
export function splitRepoInput(input: string): { id: string; revision?: string } {
  let text = input.trim();
  const m = /^https?:\/\/[^/]+\/(.*)$/.exec(text);
  if (m) {
    const segs = m[1].split(/[?#]/)[0].split('/').filter(Boolean);
    const start = segs[0] === 'datasets' ? 1 : 0;
    const id = segs.slice(start, start + 2).join('/');
    const rest = segs.slice(start + 2);
    const revision = (rest[0] === 'tree' || rest[0] === 'blob' || rest[0] === 'resolve') && rest[1] ? decodeURIComponent(rest[1]) : undefined;
    return { id, revision };
  }
  const at = text.indexOf('@');
  if (at > 0) {
    const revision = text.slice(at + 1);
    text = text.slice(0, at);
    return { id: text, revision };
  }
  return { id: text };
}
