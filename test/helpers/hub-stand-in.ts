// A local stand-in for the Hugging Face Hub on loopback, with its URL layout:
//   GET/HEAD /{owner}/{name}/resolve/{revision}/{path}            (models)
//   GET/HEAD /datasets/{owner}/{name}/resolve/{revision}/{path}   (datasets)
// *.safetensors answer with a 302 to a "CDN" path carrying X-Linked-Size, like the Hub's LFS files; the CDN
// refuses HEAD (as storage URLs presigned for GET do). Missing repos
// answer 404 (or 401, as huggingface.co does for anonymous requests) with X-Error-Code RepoNotFound; gated repos
// want a Bearer token. Per-path faults (status, hang before headers, stall mid-body, truncated body) and a byte
// rate limit let tests meet every failure. Every answer carries the CORS + CORP headers a cross-origin isolated
// page needs. Every request is recorded (method, path, whether it carried a token; never the token itself).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { concatBytes, encodeSafetensors, readSafetensorsHeader } from '../../src/core/formats/safetensors.ts';

export type Files = Map<string, Uint8Array>;

export type Fault =
  | { status: number; errorCode?: string }
  /** Never answers (the request stays open until the client gives up). */
  | { hang: 'headers' }
  /** Sends the headers and `after` body bytes, then nothing. */
  | { hang: 'body'; after: number }
  /** Sends the headers (full Content-Length) and `after` body bytes, then closes the connection. */
  | { truncate: number };

export interface RecordedHubRequest { method: string; path: string; authorized: boolean; status: number }

export interface HubStandIn {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  requests: RecordedHubRequest[];
  addModel(id: string, files: Files, opts?: { revision?: string; token?: string }): void;
  addDataset(id: string, files: Files, opts?: { revision?: string }): void;
  /** A fault for every request whose path ends with `pathSuffix`. */
  fault(pathSuffix: string, fault: Fault): void;
  /** Body bytes per second (0 = unlimited). */
  throttle(bytesPerSecond: number): void;
  /** How a missing repository answers: 404 (default) or 401 (what huggingface.co tells anonymous requests). */
  missingRepoStatus(status: 401 | 404): void;
  /** Whether LFS redirects carry X-Linked-Size (default true; a browser cannot read it either way). */
  linkedSize(on: boolean): void;
  /** GETs answered 200 (file bodies sent or being sent), as paths. */
  downloads(): string[];
  reset(): void;
  close(): Promise<void>;
}

interface Repo { revisions: Map<string, Files>; token?: string }

export function filesFromDir(dir: string): Files {
  const files: Files = new Map();
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isFile()) files.set(name, new Uint8Array(readFileSync(p)));
  }
  return files;
}

/** The same model as an index + 2 shards (tensors split in header order), built in memory. */
export async function shardedVariant(files: Files, shards = 2): Promise<Files> {
  const bytes = files.get('model.safetensors');
  if (!bytes) throw new Error('shardedVariant needs model.safetensors');
  const header = await readSafetensorsHeader(bytesSource(bytes, 'model.safetensors'));
  const tensors = [...header.tensors.values()].sort((a, b) => a.byteOffset - b.byteOffset);
  const out: Files = new Map([...files].filter(([n]) => n !== 'model.safetensors'));
  const weightMap: Record<string, string> = {};
  const per = Math.ceil(tensors.length / shards);
  let total = 0;
  for (let s = 0; s < shards; s++) {
    const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = tensors.slice(s * per, (s + 1) * per).map((t) => {
      weightMap[t.name] = name;
      total += t.byteLength;
      return { name: t.name, dtype: t.dtype, shape: t.shape, data: bytes.subarray(t.byteOffset, t.byteOffset + t.byteLength) };
    });
    out.set(name, concatBytes(encodeSafetensors(part, { format: 'pt' })));
  }
  out.set('model.safetensors.index.json', new TextEncoder().encode(JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2)));
  return out;
}

export const gzip = (bytes: Uint8Array): Uint8Array => new Uint8Array(gzipSync(bytes));

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Access-Control-Expose-Headers': 'Content-Length, X-Error-Code, X-Error-Message, X-Linked-Size, ETag',
};

export async function startHubStandIn(): Promise<HubStandIn> {
  const repos = new Map<string, Repo>();
  const faults: [string, Fault][] = [];
  const requests: RecordedHubRequest[] = [];
  const sockets = new Set<Socket>();
  let rate = 0;
  let missingRepoStatus = 404;
  let linkedSize = true;

  const send = (req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body?: Uint8Array) => {
    res.writeHead(status, { ...CORS, ...headers, ...(body ? { 'Content-Length': String(body.byteLength) } : {}) });
    if (req.method === 'HEAD' || !body) { res.end(); return; }
    if (!rate) { res.end(body); return; }
    let at = 0;
    const chunk = Math.max(1024, Math.round(rate / 20));
    const next = () => {
      if (res.destroyed) return;
      if (at >= body.byteLength) { res.end(); return; }
      res.write(body.subarray(at, at + chunk));
      at += chunk;
      setTimeout(next, (chunk / rate) * 1000);
    };
    next();
  };
  const error = (req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string) =>
    send(req, res, status, { 'Content-Type': 'application/json', 'X-Error-Code': code, 'X-Error-Message': message },
      new TextEncoder().encode(JSON.stringify({ error: message })));

  const answer = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    const cdn = /^\/cdn-lfs\/(.+)$/.exec(path);
    const m = cdn ? /^(model|dataset):([^/]+\/[^/]+)\/([^/]+)\/(.+)$/.exec(decodeURIComponent(cdn[1]))
      : /^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!m) return error(req, res, 404, 'EntryNotFound', `no route ${path}`);
    const kind = cdn ? m[1] : m[1] ? 'dataset' : 'model';
    const id = cdn ? m[2] : decodeURIComponent(m[2]);
    const revision = cdn ? m[3] : decodeURIComponent(m[3]);
    const file = cdn ? m[4] : m[4].split('/').map(decodeURIComponent).join('/');
    // Faults match the file's resolve path, whether the request came there or to its CDN redirect.
    const logical = `/${kind === 'dataset' ? 'datasets/' : ''}${id}/resolve/${revision}/${file}`;
    const fault = faults.find(([suffix]) => logical.endsWith(suffix))?.[1];
    if (fault && 'status' in fault) return error(req, res, fault.status, fault.errorCode ?? 'Fault', `scripted ${fault.status}`);
    if (fault && 'hang' in fault && fault.hang === 'headers') return; // left open
    // Like storage URLs presigned for GET: a HEAD there fails its signature check.
    if (cdn && req.method === 'HEAD') return error(req, res, 403, 'SignatureDoesNotMatch', 'The request signature does not match (presigned for GET)');

    const repo = repos.get(`${kind}:${id}`);
    if (!repo) return error(req, res, missingRepoStatus, 'RepoNotFound', 'Repository not found');
    if (repo.token && !cdn) {
      const auth = req.headers.authorization;
      if (!auth) return error(req, res, 401, 'GatedRepo', `Access to model ${id} is restricted. You must be authenticated to access it.`);
      if (auth !== `Bearer ${repo.token}`) return error(req, res, 403, 'GatedRepo', `Access to model ${id} is restricted and you are not in the authorized list.`);
    }
    const files = repo.revisions.get(revision);
    if (!files) return error(req, res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    const body = files.get(file);
    if (!body) return error(req, res, 404, 'EntryNotFound', `${file} does not exist on "${revision}"`);
    if (!cdn && file.endsWith('.safetensors')) {
      // The Hub's LFS files: a redirect to the CDN, with the size in X-Linked-Size.
      const target = `/cdn-lfs/${encodeURIComponent(`${kind}:${id}/${revision}/${file}`)}`;
      res.writeHead(302, { ...CORS, Location: target, ...(linkedSize ? { 'X-Linked-Size': String(body.byteLength) } : {}), 'Content-Length': '0' }).end();
      return;
    }
    const headers = { 'Content-Type': 'application/octet-stream', ETag: `"${body.byteLength}"` };
    if (fault && ('truncate' in fault || 'hang' in fault)) {
      const after = 'truncate' in fault ? fault.truncate : fault.after;
      res.writeHead(200, { ...CORS, ...headers, 'Content-Length': String(body.byteLength) });
      if (req.method === 'HEAD') { res.end(); return; }
      res.write(body.subarray(0, after));
      if ('truncate' in fault) setTimeout(() => res.destroy(), 20);
      return; // 'hang': left open
    }
    send(req, res, 200, headers, body);
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const record: RecordedHubRequest = { method: req.method ?? '?', path, authorized: !!req.headers.authorization, status: 0 };
    requests.push(record);
    const settle = () => { record.status = res.headersSent ? res.statusCode : 0; };
    res.on('finish', settle);
    res.on('close', settle);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': 'authorization, range', 'Access-Control-Max-Age': '600' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, CORS).end(); return; }
    answer(req, res, path);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const add = (kind: string, id: string, files: Files, revision = 'main', token?: string) => {
    const repo = repos.get(`${kind}:${id}`) ?? { revisions: new Map(), token };
    repo.revisions.set(revision, files);
    if (token) repo.token = token;
    repos.set(`${kind}:${id}`, repo);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addModel: (id, files, opts = {}) => add('model', id, files, opts.revision, opts.token),
    addDataset: (id, files, opts = {}) => add('dataset', id, files, opts.revision),
    fault: (suffix, f) => { faults.unshift([suffix, f]); },
    throttle: (bps) => { rate = bps; },
    downloads: () => requests.filter((r) => r.method === 'GET' && r.status === 200).map((r) => r.path),
    missingRepoStatus: (status) => { missingRepoStatus = status; },
    linkedSize: (on) => { linkedSize = on; },
    reset: () => { faults.length = 0; requests.length = 0; rate = 0; missingRepoStatus = 404; linkedSize = true; },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy(); // hanging requests would keep the server (and the test runner) alive
      server.close(() => resolve());
    }),
  };
}
