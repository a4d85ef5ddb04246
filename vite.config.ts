import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Cross-origin isolation (for threaded wasm later); the same headers in dev and in `vite preview` (e2e).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const FAST_TIER = ['src/**/*.test.ts', 'test/formats/*.test.ts', 'test/search/search.test.ts', 'test/search/llm-*.test.ts',
  'test/hub/hub-*.test.ts', 'test/engine/architectures.test.ts', 'test/engine/hf-reference.test.ts', 'test/export/onnx-graph.test.ts', 'test/export/errors.test.ts',
  'test/export/dtypes.test.ts', 'test/export/updated-weights.test.ts', 'test/export/delivery-targets.test.ts'];

export default defineConfig({
  plugins: [react()],
  // `webgpu` (Dawn for Node) is imported by src/core/gpu/device.ts only when navigator.gpu is missing and
  // `process` exists: never in a browser. Keep it out of the browser bundles and the dev pre-bundling.
  worker: { format: 'es', rolldownOptions: { external: ['webgpu'] } },
  build: { rolldownOptions: { external: ['webgpu'] } },
  // The worker's dependencies are found late by the dev scanner (it starts from index.html): pre-bundle them up front.
  optimizeDeps: { include: ['@huggingface/tokenizers', 'comlink'], exclude: ['webgpu'] },
  server: { headers: isolation },
  preview: { headers: isolation },
  test: {
    // Two tiers: `fast` (kernels against their CPU references on random data, formats, state, search logic,
    // the architecture references on tiny models: a couple of minutes, no CLI calls) for the edit loop, and
    // `slow` (stories260K pruning, exports, ONNX, the CLI). `npm test` runs both and prints each tier's time.
    projects: [
      { extends: true, test: { name: 'fast', include: FAST_TIER } },
      { extends: true, test: { name: 'slow', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: FAST_TIER } },
    ],
    testTimeout: 300_000, // GPU tests on SwiftShader share 2 cores with the other test files
    hookTimeout: 120_000,
    pool: 'forks',
    env: {
      VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json',
      XDG_RUNTIME_DIR: '/tmp',
    },
  },
});
