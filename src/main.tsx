// Browser entry: one worker client, one store, one React root.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import { StudioProvider } from './ui/studio-context.tsx';
import { createStudioStore } from './state/studio-store.ts';
import { connectPersistence } from './state/persist-sync.ts';
import { idbPersistence } from './state/persistence.ts';
import { connectShareLink } from './state/share-sync.ts';
import { createStudioClient } from './worker/client.ts';
import './ui/styles.css';

const hasWebGpu = 'gpu' in navigator && !!navigator.gpu;
// ?test-hooks (e2e only): the worker accepts loseDeviceForTest, reachable as window.__prunelabTestHooks.
const testHooks = new URLSearchParams(window.location.search).has('test-hooks');
const client = createStudioClient({ testHooks });
const store = createStudioStore(client, { hasWebGpu });
if (testHooks) Object.assign(window, { __prunelabTestHooks: { loseDevice: () => client.loseDeviceForTest() } });
connectPersistence(store, idbPersistence());
connectShareLink(store, window);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StudioProvider store={store}>
      <App />
    </StudioProvider>
  </StrictMode>,
);
