// A model from the Hub as ByteSources for loadModel: the files a Hugging Face folder needs (config.json,
// tokenizer.json, tokenizer_config.json, model.safetensors or model.safetensors.index.json + its shards, as
// hf-folder.ts looks for them), each taken from the cache or downloaded once into it.
//
// Order of work: HEAD the files (sizes, and the typed 404/401 errors before any large transfer), then GET the
// missing ones one after another with byte progress over the sum of their sizes.
import type { ByteSource } from '../formats/byte-source.ts';
import { blobSource } from '../formats/byte-source.ts';
import { HubError } from './hub-errors.ts';
import { download, type HubCache, type HubFetchContext, probe, type Probe, type RequestSubject } from './hub-fetch.ts';
import { type HubRepo, type HubRepoRequest, hubRepo, repoLabel, resolveUrl } from './hub-id.ts';

export interface HubModelRequest extends HubRepoRequest {
  /** Sent as `Authorization: Bearer` only; never part of a URL, a cache key or a message. */
  token?: string;
}

export interface HubDownloadOptions {
  signal?: AbortSignal;
  /** null/undefined: keep files in memory only. */
  cache?: HubCache | null;
  onProgress?: (p: HubProgress) => void;
  /** Default 30 s. */
  stallTimeoutMs?: number;
  fetch?: typeof fetch;
}

export interface HubProgress {
  /** The file being transferred (or the last one taken from the cache). */
  file: string;
  /** Bytes ready (cached + downloaded) of `total` (sum of the files' sizes; grows if a server gave none). */
  loaded: number;
  total: number;
  /** Bytes that came over the network in this call (for a rate). */
  downloaded: number;
  filesDone: number;
  files: number;
}

export interface HubFileReport { name: string; bytes: number; fromCache: boolean }

export interface HubDownloadReport {
  base: string;
  id: string;
  revision: string;
  /** "owner/name" or "owner/name@revision". */
  label: string;
  files: HubFileReport[];
  bytes: number;
  downloadedBytes: number;
  seconds: number;
  /** Every file came from the cache (nothing was downloaded). */
  fromCache: boolean;
}

const CONFIG = 'config.json';
const TOKENIZER = 'tokenizer.json';
const TOKENIZER_CONFIG = 'tokenizer_config.json';
const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

interface Planned { name: string; url: string; size: number | null; cached: Blob | null }

/** Why config.json was missing, in the words the brief of this feature asks for. */
function noModel(repo: HubRepo, url: string, errorCode: string | undefined): HubError {
  const msg = errorCode === 'RevisionNotFound'
    ? `the model "${repo.id}" has no revision "${repo.revision}" on ${repo.base} (${url} answered 404). Check the branch, tag or commit.`
    : `no model "${repo.id}" at revision "${repo.revision}" on ${repo.base} (${url} answered 404). Check the id and the revision.`;
  return new HubError('HubNotFound', msg, url, 404);
}

export function hubContext(opts: HubDownloadOptions, token?: string): HubFetchContext {
  const f = opts.fetch ?? globalThis.fetch;
  if (!f) throw new HubError('HubNetworkError', 'this runtime has no fetch()');
  return { token: token || undefined, signal: opts.signal, stallTimeoutMs: opts.stallTimeoutMs ?? 30_000, fetch: f.bind(globalThis) };
}

/** Downloads (or finds in the cache) what loadModel needs for `req`; the sources read the cached/downloaded bytes. */
export async function downloadHubModel(req: HubModelRequest, opts: HubDownloadOptions = {}): Promise<{ sources: ByteSource[]; report: HubDownloadReport }> {
  const repo = hubRepo(req, 'model');
  const ctx = hubContext(opts, req.token);
  const cache = opts.cache ?? null;
  const start = performance.now();
  const subject = (file: string): RequestSubject => ({ repo, file });

  /** Cache first; otherwise HEAD for existence and size (null: 404). */
  let configMiss: string | undefined;
  const plan = async (name: string): Promise<Planned | null> => {
    const url = resolveUrl(repo, name);
    const cached = cache ? await cache.get(url) : null;
    if (cached) return { name, url, size: cached.size, cached };
    const p: Probe = await probe(url, subject(name), ctx);
    if (!p.exists && name === CONFIG) configMiss = p.errorCode;
    return p.exists ? { name, url, size: p.size, cached: null } : null;
  };

  const config = await plan(CONFIG);
  if (!config) throw noModel(repo, resolveUrl(repo, CONFIG), configMiss);
  const [tokenizer, tokenizerConfig, single] = await Promise.all([plan(TOKENIZER), plan(TOKENIZER_CONFIG), plan(SINGLE)]);
  if (!tokenizer) {
    throw new HubError('HubMissingFile', `${repoLabel(repo)} on ${repo.base} has no ${TOKENIZER} (Prunelab reads the fast-tokenizer JSON; tokenizer.model alone is not supported).`, resolveUrl(repo, TOKENIZER), 404);
  }

  const files: Planned[] = [config, tokenizer, ...(tokenizerConfig ? [tokenizerConfig] : [])];
  const progress = new ProgressCounter(opts.onProgress);
  const blobs = new Map<string, Blob>();
  const fetchAll = async (list: Planned[]) => {
    progress.add(list);
    for (const f of list) blobs.set(f.name, await fetchPlanned(f, subject(f.name), ctx, cache, progress));
  };

  if (single) {
    files.push(single);
    await fetchAll(files);
  } else {
    const index = await plan(INDEX);
    if (!index) {
      throw new HubError('HubNoWeights', `${repoLabel(repo)} on ${repo.base} has no safetensors weights: neither ${SINGLE} nor ${INDEX} exists at that revision ` +
        '(PyTorch .bin/.pt checkpoints are not supported: pick a repository or revision with safetensors).', resolveUrl(repo, SINGLE), 404);
    }
    files.push(index);
    await fetchAll(files);
    const shardNames = shardsOf(await blobs.get(INDEX)!.text());
    const shards: Planned[] = [];
    for (const shard of shardNames) {
      const planned = await plan(shard);
      if (!planned) {
        throw new HubError('HubMissingFile', `${INDEX} of ${repoLabel(repo)} names the shard ${shard}, but ${resolveUrl(repo, shard)} answered 404.`, resolveUrl(repo, shard), 404);
      }
      shards.push(planned);
    }
    files.push(...shards);
    await fetchAll(shards);
  }

  const sources = files.map((f) => blobSource(blobs.get(f.name)!, f.name));
  const reports = files.map((f) => ({ name: f.name, bytes: blobs.get(f.name)!.size, fromCache: f.cached !== null }));
  return {
    sources,
    report: {
      base: repo.base, id: repo.id, revision: repo.revision, label: repoLabel(repo),
      files: reports,
      bytes: reports.reduce((n, f) => n + f.bytes, 0),
      downloadedBytes: progress.downloaded,
      seconds: (performance.now() - start) / 1000,
      fromCache: reports.every((f) => f.fromCache),
    },
  };
}

/** The shard files an index's weight_map names, in first-mention order (hf-folder.ts validates the rest). */
export function shardsOf(indexJson: string): string[] {
  let map: unknown;
  try {
    map = (JSON.parse(indexJson) as { weight_map?: unknown }).weight_map;
  } catch (e) {
    throw new HubError('HubMissingFile', `${INDEX} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new HubError('HubMissingFile', `${INDEX} has no "weight_map" object`);
  const shards = [...new Set(Object.values(map as Record<string, unknown>).filter((v): v is string => typeof v === 'string'))];
  if (shards.length === 0) throw new HubError('HubMissingFile', `${INDEX} names no shard files`);
  return shards;
}

async function fetchPlanned(f: Planned, subject: RequestSubject, ctx: HubFetchContext, cache: HubCache | null, progress: ProgressCounter): Promise<Blob> {
  if (f.cached) {
    progress.cached(f.name, f.cached.size);
    return f.cached;
  }
  progress.begin(f.name);
  const blob = await download(f.url, subject, ctx, {
    cache,
    onBytes: (n) => progress.bytes(n),
    // A size the HEAD could not learn (browsers cannot read a redirect's X-Linked-Size) arrives with the GET.
    onSize: (size) => { if (f.size === null && size !== null) { progress.resize(size); f.size = size; } },
  });
  progress.finish(f, blob.size);
  return blob;
}

/** Byte progress over several files whose sizes are known up front (or learned as they arrive). */
export class ProgressCounter {
  loaded = 0;
  total = 0;
  downloaded = 0;
  files = 0;
  filesDone = 0;
  private file = '';

  constructor(private readonly onProgress?: (p: HubProgress) => void) {}

  add(list: { size: number | null }[]): void {
    for (const f of list) this.total += f.size ?? 0;
    this.files += list.length;
  }

  cached(file: string, size: number): void {
    this.file = file;
    this.loaded += size;
    this.filesDone++;
    this.emit();
  }

  begin(file: string): void {
    this.file = file;
    this.emit();
  }

  bytes(n: number): void {
    this.loaded += n;
    this.downloaded += n;
    this.emit();
  }

  /** A file whose size was unknown when it was added turns out to be `size` bytes. */
  resize(size: number): void {
    this.total += size;
    this.emit();
  }

  finish(f: { size: number | null }, size: number): void {
    // A server that gave no size (or a compressed one) is corrected once the file is in.
    this.total += size - (f.size ?? 0);
    this.filesDone++;
    this.emit();
  }

  private emit(): void {
    this.onProgress?.({ file: this.file, loaded: this.loaded, total: Math.max(this.total, this.loaded), downloaded: this.downloaded, filesDone: this.filesDone, files: this.files });
  }
}
