// The optimizer LLM's endpoint from the command line. The API key is read from the environment variable that
// --llm-key-env names, so it never appears on the command line, in the state file or in the report.
import { BadRequest } from '../core/errors.ts';
import type { Optimizer } from '../core/search/operators.ts';
import { createLlmOptimizer } from '../core/search/llm-optimizer.ts';
import { isHttpUrl } from '../core/search/llm-client.ts';
import type { CliValues } from './args.ts';

export async function llmOptimizerFromCli(values: CliValues): Promise<Optimizer> {
  const baseURL = values['llm-url'] as string | undefined;
  const model = values['llm-model'] as string | undefined;
  if (!baseURL || !model) throw new BadRequest('--operator llm needs --llm-url URL and --llm-model NAME');
  if (!isHttpUrl(baseURL)) throw new BadRequest(`--llm-url "${baseURL}" is not an http(s) URL (e.g. http://127.0.0.1:8080)`);
  const keyVar = values['llm-key-env'] as string | undefined;
  const apiKey = keyVar === undefined ? undefined : process.env[keyVar];
  if (keyVar !== undefined && !apiKey) throw new BadRequest(`--llm-key-env ${keyVar}: that environment variable is not set`);
  const temperature = values['llm-temperature'] === undefined ? 0.7 : Number(values['llm-temperature']);
  const timeoutS = values['llm-timeout'] === undefined ? 120 : Number(values['llm-timeout']);
  if (!(temperature >= 0 && temperature <= 2)) throw new BadRequest('--llm-temperature must be in [0, 2]');
  if (!(timeoutS > 0)) throw new BadRequest('--llm-timeout must be a positive number of seconds');
  return createLlmOptimizer({ baseURL, model, temperature, timeoutMs: timeoutS * 1000 }, apiKey, {
    onEvent: (e) => { if (!e.ok) process.stderr.write(`llm ${e.step} attempt ${e.attempt}: ${e.error}\n`); },
  });
}
