// The studio page: header, then the model column and the evaluation column (perplexity, generation).
import { useEffect } from 'react';
import { GeneratePanel } from './GeneratePanel.tsx';
import { Header } from './Header.tsx';
import { ModelDropZone } from './ModelDropZone.tsx';
import { ModelSummaryCard } from './ModelSummaryCard.tsx';
import { NoWebGpuNotice } from './NoWebGpuNotice.tsx';
import { PerplexityPanel } from './PerplexityPanel.tsx';
import { useStudio } from './studio-context.tsx';

export function App() {
  const init = useStudio((s) => s.init);
  useEffect(() => { void init(); }, [init]);
  return (
    <div className="app">
      <Header />
      <main className="layout">
        <NoWebGpuNotice />
        <div className="column">
          <ModelDropZone />
          <ModelSummaryCard />
        </div>
        <div className="column">
          <PerplexityPanel />
          <GeneratePanel />
        </div>
      </main>
      <footer className="app-footer muted small">
        Perplexity follows the Wanda/SparseGPT protocol: non-overlapping windows from the start of the tokenized text,
        exp(mean NLL) over every predicted token.
      </footer>
    </div>
  );
}
