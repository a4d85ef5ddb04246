// The studio page: header, the model column and the evaluation column (perplexity, generation), then the
// pruning row (method and sensitivity scan beside the sparsity slider).
import { useEffect } from 'react';
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
        <div className="column">
          <ModelDropZone />
          <ModelSummaryCard />
        </div>
        <div className="column">
          <PerplexityPanel />
          <GeneratePanel />
        </div>
        <div className="prune-row">
          <div className="column">
            <MethodPanel />
            <HeatmapPanel />
            <AllocationOverlay />
          </div>
          <div className="column">
            <SparsityPanel />
            <ExportPanel />
            <RunHistoryPanel />
          </div>
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
