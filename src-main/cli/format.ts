/** Human-readable summaries for the terminal. */
import type { RunConfig } from '../api/schema/config';
import type { RunResult } from '../api/schema/result';
import type { ConditionReport } from '../science/analyser';
import { describeStop } from '../science/stop';
import { describeConfig } from '../services/describe';

export { describeConfig };

const f = (x: number | null | undefined, digits = 4) =>
  x === null || x === undefined ? '—' : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(digits);

export function formatResult(r: RunResult): string {
  const c = r.config;
  const lines: string[] = [];
  lines.push(`${r.runId !== undefined ? `run ${r.runId} ` : ''}${r.status} in ${r.seconds.toFixed(1)} s on ${r.backend}`);
  lines.push(`  ${describeConfig(c)}`);
  const m = r.final;
  if (m) {
    lines.push(`  epoch ${m.epoch}${m.evals !== undefined ? `   (${m.evals} loss-and-gradient evaluations)` : ''}`);
    if (r.stopReason && c.kind === 'ufm') lines.push(`  stopped: ${describeStop(r.stopReason, c.stop, m.epoch, c.epochs, m)}`);
    // one meaning per name (api/schema/metric-keys.ts): the UFM objective sums its batches, a deep run averages them
    const lossName = c.kind === 'deep' ? 'loss (mean)  ' : 'loss (sum)   ';
    lines.push(`  ${lossName}${f(m.loss)}${m.optimalLoss !== null ? `   L* ${f(m.optimalLoss)}   gap ${f(m.gap)}` : ''}`);
    lines.push(`  Delta_OF      ${f(m.deltaOF)}   (0 = orthogonal frame)`);
    lines.push(`  Delta_ETF     ${f(m.deltaETF)}   (0 = simplex ETF or OF)`);
    lines.push(`  NC1           ${f(m.nc1)}   (1/k tr(Sw Sb^+))`);
    lines.push(`  cos(mu,mu')   mean ${f(m.cosMean)}  min ${f(m.cosMin)}  max ${f(m.cosMax)}`);
    lines.push(`                maj-maj ${f(m.cosGroups.majMaj)}  min-min ${f(m.cosGroups.minMin)}  maj-min ${f(m.cosGroups.majMin)}`);
    lines.push(`  norms         ${m.classNorms.map((x) => x.toFixed(3)).join(' ')}  (max/min ${f(m.normRatio)})`);
    lines.push(`  NCC accuracy  train ${f(m.nccAccTrain)}${m.nccAccTest !== undefined && m.nccAccTest !== null ? `  test ${f(m.nccAccTest)}` : ''}`);
    if (m.ceAccTrain !== undefined) {
      lines.push(`  CE classifier train ${f(m.ceAccTrain)}${m.ceAccTest !== undefined && m.ceAccTest !== null ? `  test ${f(m.ceAccTest)}` : ''}   (balanced accuracy)`);
    }
  }
  if (r.error) lines.push(`  error: ${r.error}`);
  return lines.join('\n');
}

function formatReport(title: string, r: ConditionReport): string[] {
  const out = [`${title}: ${r.batches} batches — ${r.ofUnique ? 'OF is the unique UFM+ minimiser' : 'conditions FAIL: the OF is not guaranteed'}`];
  out.push(`  (a) within-class connectivity: ${r.withinClassConnected ? 'ok' : `FAILS for classes ${r.disconnectedClasses.join(', ')}`}`);
  out.push(`  (b) class-pair coverage:        ${r.allPairsCovered ? 'ok' : `FAILS for ${r.uncoveredPairs.length} pair(s): ${r.uncoveredPairs.slice(0, 12).map(([a, b]) => `${a}-${b}`).join(' ')}${r.uncoveredPairs.length > 12 ? ' ...' : ''}`}`);
  for (const line of r.findings) out.push(`      ${line}`);
  return out;
}

export function formatAnalysis(a: { oneEpoch: ConditionReport; union: ConditionReport; binding: number[] | null }): string {
  return [
    ...formatReport('one epoch', a.oneEpoch),
    ...formatReport(`union of ${a.union.epochs} epochs`, a.union),
    a.binding ? `binding examples (one per class): ${a.binding.join(' ')}` : 'no batch-binding',
  ].join('\n');
}
