// Typed failures of talking to a Hugging Face Hub (or a server with its URL layout). Every message names the
// URL or the repository, and none ever contains the access token.
import { PrunelabError } from '../errors.ts';

export type HubErrorCode =
  /** The id, revision or base URL is malformed (nothing was fetched). */
  | 'BadHubId'
  /** No such model/dataset, revision or file (HTTP 404). */
  | 'HubNotFound'
  /** A private or gated repository, or a refused token (HTTP 401/403). */
  | 'HubAuthRequired'
  /** The repository exists but lacks a file Prunelab needs (tokenizer.json, a shard the index names). */
  | 'HubMissingFile'
  /** Neither model.safetensors nor model.safetensors.index.json. */
  | 'HubNoWeights'
  /** Any other HTTP status (5xx, 429, ...). */
  | 'HubHttpError'
  /** The server could not be reached, the connection broke, stalled, or a body was truncated. */
  | 'HubNetworkError'
  /** The browser cache refused to store a download (quota). */
  | 'HubCacheError';

export class HubError extends PrunelabError {
  constructor(code: HubErrorCode, message: string, readonly url?: string, readonly status?: number) {
    super(code, message);
  }
}
