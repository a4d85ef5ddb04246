// Hands the page's store to the panels; `useStudio(selector)` subscribes a component to one slice.
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { StudioState, StudioStore } from '../state/studio-store.ts';

const StudioContext = createContext<StudioStore | null>(null);

export function StudioProvider({ store, children }: { store: StudioStore; children: ReactNode }) {
  return <StudioContext.Provider value={store}>{children}</StudioContext.Provider>;
}

export function useStudio<T>(selector: (s: StudioState) => T): T {
  const store = useContext(StudioContext);
  if (!store) throw new Error('useStudio outside <StudioProvider>');
  return useStore(store, selector);
}
