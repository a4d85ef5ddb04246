// Persistent storage for Hub downloads, keyed by the resolve URL (base + id + revision + file; never the token).
// In the browser: the Cache API (cache "prunelab-hub"), whose bodies live on disk, so a cached file is read by
// range through Blob.slice without being loaded whole. In Node and tests: a Map.
import type { HubCache } from './hub-fetch.ts';

export const HUB_CACHE_NAME = 'prunelab-hub';

export interface HubCacheStats { files: number; bytes: number }

export interface HubCacheStore extends HubCache {
  stats(): Promise<HubCacheStats>;
  /** Removes every stored file; returns what was removed. */
  clear(): Promise<HubCacheStats>;
}

const SIZE_HEADER = 'x-prunelab-bytes';

/** Cache API storage (window or worker `caches`). */
export function cacheStorageHubCache(storage: CacheStorage, name = HUB_CACHE_NAME): HubCacheStore {
  const open = () => storage.open(name);
  const stats = async (): Promise<HubCacheStats> => {
    if (!(await storage.has(name))) return { files: 0, bytes: 0 };
    const cache = await open();
    let bytes = 0;
    const keys = await cache.keys();
    for (const req of keys) {
      const res = await cache.match(req);
      const n = Number(res?.headers.get(SIZE_HEADER) ?? NaN);
      bytes += Number.isFinite(n) ? n : (await res?.blob())?.size ?? 0;
    }
    return { files: keys.length, bytes };
  };
  return {
    async get(url) {
      if (!(await storage.has(name))) return null;
      const res = await (await open()).match(url);
      return res ? res.blob() : null;
    },
    async put(url, body, size) {
      const cache = await open();
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (size !== null && size !== undefined) headers[SIZE_HEADER] = String(size);
      // The entry appears only once the whole body is stored: a failed or cancelled download leaves nothing.
      await cache.put(url, new Response(body, { headers }));
      const stored = await cache.match(url);
      if (!stored) throw new Error(`${url} vanished from the cache right after it was stored`);
      return stored.blob(); // disk-backed: loadModel reads it by range
    },
    stats,
    async clear() {
      const before = await stats();
      await storage.delete(name);
      return before;
    },
  };
}

/** In-memory storage with the same behaviour (tests; Node has no Cache API). */
export function memoryHubCache(): HubCacheStore & { urls(): string[] } {
  const files = new Map<string, Blob>();
  const stats = async () => ({ files: files.size, bytes: [...files.values()].reduce((n, b) => n + b.size, 0) });
  return {
    async get(url) { return files.get(url) ?? null; },
    async put(url, body) {
      const chunks: Uint8Array[] = [];
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
      const blob = new Blob(chunks as BlobPart[]);
      files.set(url, blob);
      return blob;
    },
    stats,
    async clear() { const s = await stats(); files.clear(); return s; },
    urls: () => [...files.keys()],
  };
}
