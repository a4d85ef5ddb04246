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
const store = createStudioStore(createStudioClient(), { hasWebGpu });
connectPersistence(store, idbPersistence());
connectShareLink(store, window);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StudioProvider store={store}>
      <App />
    </StudioProvider>
  </StrictMode>,
);
