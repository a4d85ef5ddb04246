// HTTP against the Hub's resolve URLs: HEAD/GET with the optional token as a Bearer header (never in a URL or a
// message), HTTP statuses mapped to typed HubErrors, a stall watchdog, and response bodies streamed chunk by
// chunk into a sink (the persistent cache, or a Blob) while counting bytes, so a file is never held twice.
import { Cancelled } from '../errors.ts';
import { HubError } from './hub-errors.ts';
import type { HubRepo } from './hub-id.ts';

export interface HubFetchContext {
  token?: string;
  signal?: AbortSignal;
  /** No response, or no body bytes, for this long fails with HubNetworkError. */
  stallTimeoutMs: number;
  fetch: typeof fetch;
}

/** Where a downloaded file lives: the browser's Cache API in the studio, memory in tests. */
export interface HubCache {
  /** The stored file, or null. */
  get(url: string): Promise<Blob | null>;
  /** Stores the body as it streams in (`size`: its length when known); rejects, storing nothing, if the stream fails. */
  put(url: string, body: ReadableStream<Uint8Array>, size?: number | null): Promise<Blob>;
}

/** What a request was for, to word its errors. */
export interface RequestSubject { repo: HubRepo; file: string }

const NETWORK_HINT = 'Check the base URL and the connection; a server other than huggingface.co must also allow cross-origin requests (CORS) from this page.';

/** Aborts a request when the caller aborts or when nothing arrived for `ms` (kick() on every chunk). */
class Watchdog {
  readonly controller = new AbortController();
  stalled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly onAbort = () => this.controller.abort();

  constructor(private readonly ms: number, readonly user?: AbortSignal) {
    if (user?.aborted) this.controller.abort();
    user?.addEventListener('abort', this.onAbort, { once: true });
    this.kick();
  }

  kick(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.stalled = true; this.controller.abort(); }, this.ms);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.user?.removeEventListener('abort', this.onAbort);
  }

  /** The typed error for a failed fetch/read. */
  failure(e: unknown, url: string, during: string): Error {
    if (this.user?.aborted) return new Cancelled('download');
    if (this.stalled) return new HubError('HubNetworkError', `${during} ${url} stalled: nothing arrived for ${this.ms < 1000 ? `${this.ms} ms` : `${Math.round(this.ms / 1000)} s`}. ${NETWORK_HINT}`, url);
    if (e instanceof HubError || e instanceof Cancelled) return e;
    const err = e as { message?: string; cause?: { message?: string; code?: string } };
    const cause = err?.cause?.code ?? err?.cause?.message;
    return new HubError('HubNetworkError', `${during} ${url} failed (${err?.message ?? String(e)}${cause ? `: ${cause}` : ''}). ${NETWORK_HINT}`, url);
  }
}

function repoWord(repo: HubRepo): string {
  return repo.kind === 'dataset' ? 'dataset' : 'model';
}

/** The typed error for a non-2xx answer. */
export function statusError(res: Response, url: string, subject: RequestSubject, hasToken: boolean): HubError {
  const { repo, file } = subject;
  const status = res.status;
  const code = res.headers.get('x-error-code');
  const where = `"${repo.id}" at revision "${repo.revision}" on ${repo.base}`;
  const said = res.headers.get('x-error-message');
  const tail = `(HTTP ${status} from ${url}${said ? `: ${said}` : ''})`;
  if (code === 'GatedRepo' || (status === 403 && code !== 'RepoNotFound')) {
    return new HubError('HubAuthRequired', `the ${repoWord(repo)} "${repo.id}" is gated or private and this ${hasToken ? 'token has no access to it' : 'request carried no token'} ${tail}. ` +
      `Accept its conditions at ${repo.base}/${repo.kind === 'dataset' ? 'datasets/' : ''}${repo.id} and ${hasToken ? 'use a token of that account' : 'give an access token under Advanced'}.`, url, status);
  }
  if (status === 401) {
    return new HubError('HubAuthRequired', hasToken
      ? `the access token was refused for ${where} ${tail}: it is invalid or expired, or its account cannot see this private ${repoWord(repo)} (or the id is wrong).`
      : `${where} needs an access token: it is private or gated, or it does not exist (the Hub answers 401 for all three) ${tail}. Check the id, or give a token under Advanced.`, url, status);
  }
  if (status === 404) {
    if (code === 'RevisionNotFound') return new HubError('HubNotFound', `no revision "${repo.revision}" of the ${repoWord(repo)} "${repo.id}" on ${repo.base} ${tail}`, url, status);
    if (code === 'RepoNotFound') return new HubError('HubNotFound', `no ${repoWord(repo)} "${repo.id}" on ${repo.base} ${tail}`, url, status);
    return new HubError('HubNotFound', `${where} has no file ${file} ${tail}`, url, status);
  }
  if (status === 429) return new HubError('HubHttpError', `the Hub is rate-limiting requests ${tail}; wait a minute, or give a token under Advanced.`, url, status);
  return new HubError('HubHttpError', `${url} answered HTTP ${status}${res.statusText ? ` ${res.statusText}` : ''}${said ? `: ${said}` : ''} while fetching ${file} of ${where}.`, url, status);
}

export interface Probe {
  url: string;
  /** false: the server answered 404 for this file. */
  exists: boolean;
  /** Bytes when the server said (Content-Length / X-Linked-Size), else null. */
  size: number | null;
  /** The Hub's X-Error-Code of a 404 (RepoNotFound, RevisionNotFound, EntryNotFound), when it sent one. */
  errorCode?: string;
}

function sizeOf(res: Response): number | null {
  for (const h of ['content-length', 'x-linked-size']) {
    const v = res.headers.get(h);
    if (v !== null && /^\d+$/.test(v)) return Number(v);
  }
  return null;
}

async function request(method: 'HEAD' | 'GET', url: string, ctx: HubFetchContext, redirect: RequestRedirect): Promise<{ res: Response; dog: Watchdog }> {
  const dog = new Watchdog(ctx.stallTimeoutMs, ctx.signal);
  const headers: Record<string, string> = {};
  if (ctx.token) headers.Authorization = `Bearer ${ctx.token}`;
  try {
    // no-store: the Cache API holds our copy; the HTTP cache would keep a second one.
    const res = await ctx.fetch(url, { method, headers, signal: dog.controller.signal, redirect, cache: 'no-store' });
    return { res, dog };
  } catch (e) {
    dog.stop();
    throw dog.failure(e, url, method === 'HEAD' ? 'asking for' : 'downloading');
  }
}

/**
 * HEAD: does the file exist (404 -> exists false), and how big is it; any other failure throws typed.
 * Redirects are not followed: the Hub sends large (LFS/Xet) files to a storage URL presigned for GET, which may
 * refuse a HEAD. A redirect means the file exists; its size is the X-Linked-Size header where readable (Node),
 * else unknown until the GET (a browser sees an opaque redirect).
 */
export async function probe(url: string, subject: RequestSubject, ctx: HubFetchContext): Promise<Probe> {
  const { res, dog } = await request('HEAD', url, ctx, 'manual');
  dog.stop();
  if (res.ok) return { url, exists: true, size: sizeOf(res) };
  if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
    const linked = res.headers.get('x-linked-size');
    return { url, exists: true, size: linked !== null && /^\d+$/.test(linked) ? Number(linked) : null };
  }
  if (res.status === 404) return { url, exists: false, size: null, errorCode: res.headers.get('x-error-code') ?? undefined };
  throw statusError(res, url, subject, !!ctx.token);
}

/**
 * GETs `url` and streams its body into `cache` (or into a Blob), calling onBytes(n) per chunk. Fails with a
 * typed error when the answer is not 2xx, the body stalls or breaks, or it ends before its Content-Length.
 */
export async function download(url: string, subject: RequestSubject, ctx: HubFetchContext,
  sink: { cache: HubCache | null; onBytes: (n: number) => void; onSize?: (bytes: number | null) => void }): Promise<Blob> {
  const { res, dog } = await request('GET', url, ctx, 'follow');
  if (!res.ok || !res.body) {
    dog.stop();
    await res.body?.cancel().catch(() => {});
    if (!res.ok && res.redirected) {
      // The Hub answered (with a redirect); the storage server behind it refused. Its URL is presigned: not shown.
      throw new HubError('HubHttpError', `${url} redirected to ${new URL(res.url).host}, which answered HTTP ${res.status} while fetching ${subject.file}; try again (presigned storage links expire).`, url, res.status);
    }
    if (!res.ok) throw statusError(res, url, subject, !!ctx.token);
    return new Blob([]);
  }
  const expected = sizeOf(res);
  sink.onSize?.(expected);
  const reader = res.body.getReader();
  let received = 0;
  let failure: Error | null = null;
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          dog.stop();
          // A compressed body (Content-Encoding) decodes to more than Content-Length; fewer bytes means truncated.
          if (expected !== null && received < expected) {
            throw new HubError('HubNetworkError', `${url} ended after ${received} of ${expected} bytes (connection closed early). ${NETWORK_HINT}`, url);
          }
          controller.close();
          return;
        }
        dog.kick();
        received += value.byteLength;
        sink.onBytes(value.byteLength);
        controller.enqueue(value);
      } catch (e) {
        dog.stop();
        failure = dog.failure(e, url, 'downloading');
        controller.error(failure);
      }
    },
    cancel(reason) {
      dog.stop();
      return reader.cancel(reason);
    },
  });
  try {
    return sink.cache ? await sink.cache.put(url, counted, expected) : await collectBlob(counted);
  } catch (e) {
    if (failure) throw failure;
    if (ctx.signal?.aborted) throw new Cancelled('download');
    const err = e as { name?: string; message?: string };
    throw new HubError('HubCacheError', `the browser did not store ${url} in its cache (${err?.name ?? 'Error'}: ${err?.message ?? String(e)}). ` +
      'Free space with "Clear cache", or turn off "Keep downloads in the browser cache" under Advanced.', url);
  } finally {
    dog.stop();
  }
}

/** A stream's bytes as one Blob (the chunks are handed over, not copied into an ArrayBuffer first). */
export async function collectBlob(stream: ReadableStream<Uint8Array>): Promise<Blob> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return new Blob(chunks as BlobPart[]);
}
