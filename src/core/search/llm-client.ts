// A minimal OpenAI-compatible chat-completions client (llama.cpp, Ollama, vLLM or a hosted endpoint) for the
// Self-Pruner LLM optimizer. Global fetch only, so it runs unchanged in Node 20, pages and workers.
// Every failure is an LlmError with a short, key-free message (the optimizer shows it to the LLM in the retry and
// records it as the fallback reason); an abort by the caller is Cancelled instead, so the search stops.
import { Cancelled, PrunelabError } from '../errors.ts';
import { parseJsonBounded } from '../formats/bounded-json.ts';
import { MAX_REPLY_CHARS } from './llm-reply.ts';

export interface LlmEndpoint {
  /** e.g. "http://127.0.0.1:8080", "http://localhost:11434/v1" or "https://api.example.com/v1/". */
  baseURL: string;
  model: string;
  temperature: number;
  /** Limit for one request, headers and body together. */
  timeoutMs: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The endpoint failed or its reply carries no usable text (HTTP error, timeout, refusal, bad envelope). */
export class LlmError extends PrunelabError {
  constructor(message: string) {
    super('LlmError', message);
  }
}

/** The chat-completions URL for a base URL given with or without a trailing slash, "/v1" or the full path. */
/** An http(s) URL ("localhost:8080" parses as a URL with the scheme "localhost:", which fetch cannot use). */
export function isHttpUrl(text: string): boolean {
  try { return ['http:', 'https:'].includes(new URL(text.trim()).protocol); } catch { return false; }
}

export function chatCompletionsURL(baseURL: string): string {
  const base = baseURL.trim().replace(/\/+$/, '');
  if (/\/v1\/chat\/completions$/.test(base)) return base;
  return /\/v1$/.test(base) ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
}

/** Removes the key from any text that leaves this module (an error body may echo request headers). */
function scrub(text: string, apiKey: string | undefined): string {
  return apiKey ? text.split(apiKey).join('***') : text;
}

const snippet = (text: string, n = 200) => (text.length > n ? `${text.slice(0, n)}...` : text);

/** Sends the conversation and returns the assistant's text (choices[0].message.content). */
export async function chatCompletion(endpoint: LlmEndpoint, apiKey: string | undefined, messages: ChatMessage[],
  signal?: AbortSignal): Promise<string> {
  const url = chatCompletionsURL(endpoint.baseURL);
  const fail = (message: string) => new LlmError(scrub(message, apiKey));
  if (signal?.aborted) throw new Cancelled('LLM request');
  const timeout = AbortSignal.timeout(endpoint.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;

  let status = 0;
  let body: string;
  try {
    const res = await fetch(url, {
      method: 'POST', headers, signal: combined,
      body: JSON.stringify({ model: endpoint.model, temperature: endpoint.temperature, messages }),
    });
    status = res.status;
    body = await res.text(); // still under the timeout: a server may stall mid-body
    if (!res.ok) throw fail(`HTTP ${status} from ${url}: ${snippet(body)}`);
  } catch (e) {
    // Which signal fired decides the kind: the caller's means cancel, ours means timeout.
    if (signal?.aborted) throw new Cancelled('LLM request');
    if (e instanceof LlmError) throw e;
    if (timeout.aborted) throw fail(`timed out after ${endpoint.timeoutMs} ms`);
    // fetch's TypeError says only "fetch failed"; the reason (ECONNREFUSED, DNS) is in its cause.
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    throw fail(`request to ${url} failed${status ? ` (HTTP ${status})` : ''}: ${e instanceof Error ? e.message : String(e)}${cause}`);
  }

  const parsed = parseJsonBounded(body);
  if ('error' in parsed) throw fail(`reply from ${url} ${parsed.error.startsWith('not valid JSON') ? 'is not JSON' : parsed.error}: ${snippet(body)}`);
  const reply = parsed.value;
  const message = (reply as { choices?: Array<{ message?: { content?: unknown; refusal?: unknown } }> })
    ?.choices?.[0]?.message;
  if (typeof message?.refusal === 'string' && message.refusal.trim() !== '') {
    throw fail(`refused: ${snippet(message.refusal)}`);
  }
  if (typeof message?.content !== 'string' || message.content.trim() === '') {
    throw fail('reply has no choices[0].message.content');
  }
  if (message.content.length > MAX_REPLY_CHARS) {
    throw fail(`reply from ${url} is ${message.content.length} characters long, over the ${MAX_REPLY_CHARS} the optimizer reads`);
  }
  return message.content;
}
