// One file of a Hub repository (a dataset's Parquet split, a raw text file), taken from the cache or downloaded once
// into it, with the exact place it came from: what a result needs to name its data (dataset, revision, path, URL).
import { download } from './hub-fetch.ts';
import { hubRepo, repoLabel, resolveUrl, validateRepoPath, type HubRepoRequest, type RepoKind } from './hub-id.ts';
import { type HubDownloadOptions, hubContext, ProgressCounter } from './hub-model.ts';

export interface HubFileRequest extends HubRepoRequest {
  /** Path inside the repository, e.g. wikitext-2-raw-v1/test-00000-of-00001.parquet. */
  file: string;
  /** Sent as `Authorization: Bearer` only. */
  token?: string;
}

/** Where a file came from; results carry it next to the file's SHA-256. */
export interface HubFileOrigin {
  kind: RepoKind;
  /** owner/name */
  id: string;
  /** The branch, tag or commit asked for. */
  revision: string;
  /** Path inside the repository. */
  file: string;
  url: string;
}

export interface HubFileResult {
  blob: Blob;
  origin: HubFileOrigin;
  /** "owner/name" or "owner/name@revision". */
  label: string;
  fromCache: boolean;
  downloadedBytes: number;
  /** Seconds to get the file (request + transfer, or the cache read). */
  seconds: number;
}

export async function fetchHubFile(req: HubFileRequest, kind: RepoKind, opts: HubDownloadOptions = {}): Promise<HubFileResult> {
  const repo = hubRepo({ base: req.base, id: req.id, revision: req.revision }, kind);
  const file = validateRepoPath(req.file);
  const url = resolveUrl(repo, file);
  const ctx = hubContext(opts, req.token);
  const cache = opts.cache ?? null;
  const start = performance.now();
  const progress = new ProgressCounter(opts.onProgress);

  let blob = cache ? await cache.get(url) : null;
  const fromCache = blob !== null;
  if (blob) {
    progress.add([{ size: blob.size }]);
    progress.cached(file, blob.size);
  } else {
    let announced: number | null | undefined;
    blob = await download(url, { repo, file }, ctx, {
      cache,
      onSize: (size) => { announced = size; progress.add([{ size }]); progress.begin(file); },
      onBytes: (n) => progress.bytes(n),
    });
    if (announced === undefined) progress.add([{ size: null }]);
    progress.finish({ size: announced ?? null }, blob.size);
  }
  return {
    blob,
    origin: { kind, id: repo.id, revision: repo.revision, file, url },
    label: repoLabel(repo),
    fromCache,
    downloadedBytes: progress.downloaded,
    seconds: (performance.now() - start) / 1000,
  };
}
