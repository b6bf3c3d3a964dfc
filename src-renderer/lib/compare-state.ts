/**
 * The Compare page's view state <-> URL query parameters (besides `ids`), so that a copied or saved URL reopens
 * the same view. Unknown or malformed values fall back to the defaults; defaults are left out of the URL.
 */
import { DEFAULT_TOL } from './seed-geometry';
import { HEAT_SCALES, type HeatScale } from './geometry';
import type { BandMode } from './stats';

export interface CompareState {
  bySeed: boolean;
  metricA: string;
  metricB: string;
  band: BandMode;
  seeds: boolean;
  /** Group keys whose heatmaps are shown (null: the default first few). */
  shown: string[] | null;
  scale: HeatScale;
  tol: number;
  diffA: string | null;
  diffB: string | null;
}

export const COMPARE_DEFAULTS: CompareState = {
  bySeed: true,
  metricA: 'geom/deltaOF',
  metricB: 'train/loss',
  band: 'std',
  seeds: false,
  shown: null,
  scale: 'refs',
  tol: DEFAULT_TOL,
  diffA: null,
  diffB: null,
};

const BANDS: readonly BandMode[] = ['std', 'minmax', 'iqr'];
const KEY = /^[\w./-]{1,100}$/;

export function readCompareState(p: Record<string, string>): CompareState {
  const d = COMPARE_DEFAULTS;
  const tol = Number(p.tol);
  return {
    bySeed: p.group === undefined ? d.bySeed : p.group !== '0',
    metricA: p.m1 && KEY.test(p.m1) ? p.m1 : d.metricA,
    metricB: p.m2 && KEY.test(p.m2) ? p.m2 : d.metricB,
    band: BANDS.includes(p.band as BandMode) ? (p.band as BandMode) : d.band,
    seeds: p.seeds === '1',
    shown: p.heat !== undefined ? p.heat.split(',').filter((k) => KEY.test(k)) : d.shown,
    scale: HEAT_SCALES.some((s) => s.id === p.scale) ? (p.scale as HeatScale) : d.scale,
    tol: Number.isFinite(tol) && tol > 0 && tol <= 2 ? tol : d.tol,
    diffA: p.a && /^[gr]:[\w./-]{1,100}$/.test(p.a) ? p.a : d.diffA,
    diffB: p.b !== undefined && (p.b === '' || /^[gr]:[\w./-]{1,100}$/.test(p.b)) ? p.b : d.diffB,
  };
}

export function compareParams(s: CompareState): Record<string, string> {
  const d = COMPARE_DEFAULTS;
  const out: Record<string, string> = {};
  if (s.bySeed !== d.bySeed) out.group = s.bySeed ? '1' : '0';
  if (s.metricA !== d.metricA) out.m1 = s.metricA;
  if (s.metricB !== d.metricB) out.m2 = s.metricB;
  if (s.band !== d.band) out.band = s.band;
  if (s.seeds) out.seeds = '1';
  if (s.shown !== null) out.heat = s.shown.join(',');
  if (s.scale !== d.scale) out.scale = s.scale;
  if (s.tol !== d.tol && Number.isFinite(s.tol) && s.tol > 0) out.tol = String(s.tol);
  if (s.diffA !== null) out.a = s.diffA;
  if (s.diffB !== null) out.b = s.diffB;
  return out;
}
