// prunelab generate: greedy decoding; prints only the generated text.
import { generateGreedy } from '../core/engine/generate.ts';
import { optionalInt, requireString, type CliValues } from './args.ts';
import { openSession } from './session.ts';

export async function runGenerate(values: CliValues): Promise<number> {
  const { gpu, engine } = await openSession(requireString(values, 'model'), values.variant as string | undefined);
  try {
    const result = await generateGreedy(engine, {
      prompt: typeof values.prompt === 'string' ? values.prompt : undefined,
      steps: optionalInt(values, 'steps', 200)!,
    });
    process.stdout.write(result.text);
    return 0;
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}
