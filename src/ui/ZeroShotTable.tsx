// Zero-shot results as `prunelab eval` / `prunelab prune --tasks` print them: task, version, documents, acc and
// acc_norm with standard errors in percent (the core's formatting), dense and pruned side by side, the protocol line.
import { formatPercent, zeroShotDataSources, zeroShotProtocolLine } from '../core/zeroshot/zero-shot-summary.ts';
import type { MeanWithStderr } from '../core/zeroshot/choice-metrics.ts';
import type { ZeroShotJobOutcome } from '../worker/api.ts';

/** A metric's cell: the text as the CLI prints it, the exact numbers in data attributes (tests compare them). */
function Metric({ m, testId, pruned }: { m: MeanWithStderr | null; testId: string; pruned?: boolean }) {
  return (
    <td className={`num${pruned ? ' zs-table__pruned' : ' zs-table__first'}`} data-testid={testId} data-value={m?.value} data-stderr={m?.stderr ?? undefined}>
      {formatPercent(m)}
    </td>
  );
}

export function ZeroShotTable({ dense, pruned, prunedLabel }: { dense: ZeroShotJobOutcome; pruned: ZeroShotJobOutcome | null; prunedLabel: string }) {
  const cols = pruned ? ['dense', 'pruned'] as const : ['dense'] as const;
  return (
    <>
      <div className="zs-table__scroll">
        <table className="zs-table" data-testid="zs-table">
          <thead>
            <tr>
              <th rowSpan={2}>task</th><th rowSpan={2}>version</th><th rowSpan={2} className="num">docs</th>
              <th colSpan={cols.length} className="zs-table__group">acc %</th><th colSpan={cols.length} className="zs-table__group">acc_norm %</th>
            </tr>
            <tr>
              {[0, 1].flatMap((g) => cols.map((c) => (
                <th key={`${g}${c}`} className={`num${c === 'dense' ? ' zs-table__first' : ''}`} title={c === 'pruned' ? prunedLabel : 'the unpruned model'}>{c}</th>
              )))}
            </tr>
          </thead>
          <tbody>
            {dense.tasks.map((t, i) => {
              const p = pruned?.tasks[i];
              return (
                <tr key={t.task} data-testid={`zs-row-${t.task}`}>
                  <td><code>{t.task}</code></td>
                  <td>{t.version}</td>
                  <td className="num" data-testid="zs-docs">{t.documents}</td>
                  <Metric m={t.acc} testId="zs-dense-acc" />
                  {p && <Metric m={p.acc} testId="zs-pruned-acc" pruned />}
                  <Metric m={t.accNorm} testId="zs-dense-acc-norm" />
                  {p && <Metric m={p.accNorm} testId="zs-pruned-acc-norm" pruned />}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="protocol small muted zs-protocol" data-testid="zs-protocol">
        {zeroShotProtocolLine(dense)}
        {pruned && <> · pruned: {prunedLabel}</>}
        {' '}· dense {dense.seconds.toFixed(1)} s{pruned && `, pruned ${pruned.seconds.toFixed(1)} s`} · Prunelab {dense.protocol.prunelabVersion}
      </p>
      <p className="protocol small muted zs-protocol" data-testid="zs-data-sources">data: {zeroShotDataSources(dense)}</p>
    </>
  );
}
