/** The self-contained HTML report of a reproduction: claims with PASS / FAIL and numbers, charts, run tables, configs. */
import { describeConfig } from '../services/describe';
import type { CheckOutcome, PresetRun } from './claims';
import { getPath, type Preset } from './presets';
import { lineChart } from './svg';

export interface PresetReport {
  preset: Preset;
  /** Why the preset did not run (missing data, not part of the quick suite), or null. */
  skipped: string | null;
  runs: PresetRun[];
  outcomes: CheckOutcome[];
  /** Grid keys, to label runs. */
  gridKeys: string[];
}

export interface ReportInput {
  title: string;
  sweepId: number | null;
  quick: boolean;
  set: [string, unknown][];
  startedAt: Date;
  seconds: number;
  appVersion: string;
  presets: PresetReport[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: unknown) => (typeof x !== 'number' ? '—' : !Number.isFinite(x) ? String(x) : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(4));

export function runLabel(r: PresetRun, keys: string[]): string {
  return keys.map((k) => `${k.split('.').at(-1)}=${JSON.stringify(getPath(r.config, k))}`).join(' ') || `run ${r.runId}`;
}

/** The optimiser that ran, e.g. "lbfgs projected (history 20)" (UFM+), "lbfgs (history 20)" (UFM) or "gd lr 0.5", or the deep run's. */
export function solverOf(c: PresetRun['config']): string {
  if (c.kind === 'embeddings') return '—';
  const o = c.optimizer as { name: string; history?: number; lr?: number; parametrization?: string };
  if (o.name === 'lbfgs') return `lbfgs${c.relu && o.parametrization ? ` ${o.parametrization}` : ''} (history ${o.history})`;
  return o.lr !== undefined ? `${o.name} lr ${o.lr}` : o.name;
}

function presetSection(p: PresetReport): string {
  const { preset } = p;
  const status = p.skipped ? 'NOT RUN' : p.outcomes.every((o) => o.status === 'PASS') ? 'PASS' : 'FAIL';
  const h: string[] = [];
  h.push(`<section class="preset" id="${esc(preset.name)}"><h2><span class="badge ${status.replace(' ', '-')}">${status}</span> ${esc(preset.title)} <small>${esc(preset.name)} v${preset.version}</small></h2>`);
  h.push(`<p>${esc(preset.description)}</p><p class="claim"><b>Claim.</b> ${esc(preset.claim)}</p>`);
  if (p.skipped) {
    h.push(`<p class="skipped"><b>Not run:</b> ${esc(p.skipped)}</p></section>`);
    return h.join('\n');
  }
  h.push('<table class="checks"><tr><th>check</th><th>result</th><th>measured</th></tr>');
  for (const o of p.outcomes) h.push(`<tr><td>${esc(o.text)}</td><td class="${o.status.replace(' ', '-')}">${o.status}</td><td>${esc(o.detail)}</td></tr>`);
  h.push('</table>');
  const metric = preset.chart.metric;
  const lines = p.runs
    .filter((r) => r.result)
    .map((r) => ({ label: runLabel(r, p.gridKeys), points: r.result!.history.map((e) => [e.epoch, Number((e as Record<string, unknown>)[metric])] as [number, number]) }));
  const refs = metric === 'deltaOF' ? [{ y: 0, label: 'OF' }, ...(p.runs[0]?.config.kind !== 'embeddings' && p.runs[0]?.config.classes === 10 ? [{ y: 0.3204, label: 'ETF (k=10)' }] : [])] : [];
  h.push(`<figure>${lineChart(lines, { title: `${preset.chart.label} vs epoch`, xLabel: 'epoch', yLabel: preset.chart.label, refs })}</figure>`);
  h.push('<table class="runs"><tr><th>run</th><th>status</th><th>solver</th><th>stopped</th><th>evaluations</th><th>backend</th><th>seconds</th><th>Delta_OF</th><th>Delta_ETF</th><th>NC1</th><th>cos mean</th><th>norm ratio</th><th>NCC train</th><th>NCC test</th></tr>');
  for (const r of p.runs) {
    const f = r.result?.final;
    h.push(`<tr><td>#${r.runId} ${esc(runLabel(r, p.gridKeys))}</td><td>${esc(r.status)}</td><td>${esc(solverOf(r.config))}</td>` +
      `<td>${esc(r.result?.stopReason ?? '—')}</td><td>${f?.evals ?? '—'}</td><td>${esc(r.result?.backend ?? '—')}</td><td>${r.result ? r.result.seconds.toFixed(1) : '—'}</td>` +
      `<td>${fmt(f?.deltaOF)}</td><td>${fmt(f?.deltaETF)}</td><td>${fmt(f?.nc1)}</td><td>${fmt(f?.cosMean)}</td><td>${fmt(f?.normRatio)}</td><td>${fmt(f?.nccAccTrain)}</td><td>${fmt(f?.nccAccTest)}</td></tr>`);
  }
  h.push('</table>');
  for (const r of p.runs) {
    h.push(`<details><summary>config of run #${r.runId} (${esc(describeConfig(r.config))})</summary><pre>${esc(JSON.stringify(r.config, null, 2))}</pre></details>`);
  }
  h.push('</section>');
  return h.join('\n');
}

export function renderReport(r: ReportInput): string {
  const all = r.presets.flatMap((p) => p.outcomes);
  const pass = all.filter((o) => o.status === 'PASS').length;
  const fail = all.filter((o) => o.status === 'FAIL').length;
  const notRun = r.presets.filter((p) => p.skipped).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(r.title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px} h2{font-size:17px;margin-top:32px;border-top:1px solid #ddd;padding-top:16px} small{color:#777;font-weight:normal}
table{border-collapse:collapse;margin:10px 0;width:100%} th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;font-size:13px}
th{background:#f5f5f5} .PASS{color:#17702d;font-weight:600} .FAIL{color:#b00020;font-weight:600} .NOT-RUN{color:#8a6d00;font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff;vertical-align:middle} .badge.PASS{background:#17702d;color:#fff} .badge.FAIL{background:#b00020;color:#fff} .badge.NOT-RUN{background:#8a6d00;color:#fff}
.claim{background:#f7f9fc;border-left:3px solid #1f77b4;padding:6px 10px} .skipped{background:#fff8e1;padding:6px 10px}
pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px} figure{margin:8px 0} svg{max-width:100%;height:auto}
</style></head><body>
<h1>${esc(r.title)}</h1>
<p>SCL Geometry Lab ${esc(r.appVersion)} · started ${esc(r.startedAt.toISOString())} · wall time ${r.seconds.toFixed(0)} s${r.sweepId !== null ? ` · sweep #${r.sweepId}` : ''}${r.quick ? ' · <b>quick</b> sizes' : ''}${r.set.length ? ` · overrides: ${esc(r.set.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', '))}` : ''}</p>
<p><b>${pass} of ${all.length} checks pass</b>${fail ? `, <span class="FAIL">${fail} fail</span>` : ''}${notRun ? `, ${notRun} preset(s) not run` : ''}. Source: Kini, Vakilian, Behnia, Gill, Thrampoulidis, "Symmetric Neural-Collapse Representations with Supervised Contrastive Loss: The Impact of ReLU and Batching" (ICLR 2024).</p>
<ul>${r.presets.map((p) => `<li><a href="#${esc(p.preset.name)}">${esc(p.preset.title)}</a></li>`).join('')}</ul>
${r.presets.map(presetSection).join('\n')}
</body></html>
`;
}
