// The studio page: two columns that each flow top to bottom without waiting for the other (the shorter one never
// leaves a gap mid-page): on the left what to prune and how (model, method, sensitivity scan, allocations), on the
// right what it gives (perplexity, generation, the sparsity slider, export, run history); then the full-width panels.
// A narrow screen shows one column in workflow order (Slot's `narrow`).
import { useEffect, type ReactNode } from 'react';
import { GeneratePanel } from './GeneratePanel.tsx';
import { Header } from './Header.tsx';
import { HeatmapPanel } from './HeatmapPanel.tsx';
import { MethodPanel } from './MethodPanel.tsx';
import { SparsityPanel } from './SparsityPanel.tsx';
import { SearchPanel } from './SearchPanel.tsx';
import { ModelDropZone } from './ModelDropZone.tsx';
import { ModelSummaryCard } from './ModelSummaryCard.tsx';
import { NoWebGpuNotice } from './NoWebGpuNotice.tsx';
import { PerplexityPanel } from './PerplexityPanel.tsx';
import { LinkNotice } from './LinkNotice.tsx';
import { RestoreNotice } from './RestoreNotice.tsx';
import { RunHistoryPanel } from './RunHistoryPanel.tsx';
import { TextPreviewPanel } from './TextPreviewPanel.tsx';
import { AllocationOverlay } from './AllocationOverlay.tsx';
import { useStudio } from './studio-context.tsx';
import { DeviceLostNotice } from './DeviceLostNotice.tsx';
import { ExportPanel } from './ExportPanel.tsx';
import { ZeroShotPanel } from './ZeroShotPanel.tsx';

export function App() {
  const init = useStudio((s) => s.init);
  useEffect(() => { void init(); }, [init]);
  return (
    <div className="app">
      <Header />
      <main className="layout">
        <NoWebGpuNotice />
        <DeviceLostNotice />
        <div className="notices"><LinkNotice /><RestoreNotice /></div>
        <div className="column" data-testid="setup-column">
          <Slot narrow={1}><ModelDropZone /></Slot>
          <Slot narrow={2}><ModelSummaryCard /></Slot>
          <Slot narrow={5}><MethodPanel /></Slot>
          <Slot narrow={7}><HeatmapPanel /></Slot>
          <Slot narrow={8}><AllocationOverlay /></Slot>
        </div>
        <div className="column" data-testid="results-column">
          <Slot narrow={3}><PerplexityPanel /></Slot>
          <Slot narrow={4}><GeneratePanel /></Slot>
          <Slot narrow={6}><SparsityPanel /></Slot>
          <Slot narrow={9}><ExportPanel /></Slot>
          <Slot narrow={10}><RunHistoryPanel /></Slot>
        </div>
        <TextPreviewPanel />
        <ZeroShotPanel />
        <SearchPanel />
      </main>
      <footer className="app-footer muted small">
        Perplexity follows the Wanda/SparseGPT protocol: non-overlapping windows from the start of the tokenized text,
        exp(mean NLL) over every predicted token.
      </footer>
    </div>
  );
}

/** A panel's place in the one-column order of a narrow screen (the columns dissolve there). */
function Slot({ narrow, children }: { narrow: number; children: ReactNode }) {
  return <div className="slot" style={{ ['--narrow-order' as string]: narrow - 20 }}>{children}</div>;
}
