import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Cross-origin isolation (for threaded wasm later); the same headers in dev and in `vite preview` (e2e).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

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
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 300_000, // GPU tests on SwiftShader share 2 cores with the other test files
    hookTimeout: 120_000,
    pool: 'forks',
    env: {
      VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json',
      XDG_RUNTIME_DIR: '/tmp',
    },
  },
});
