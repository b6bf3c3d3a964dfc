import { z } from 'zod';
import { RUN_KINDS, RUN_STATUSES } from './types';

/**
 * The portable JSON bundle of `exportRuns` / `importRuns`. Runs are matched by uuid across databases;
 * local ids never leave the file (resumedFrom and sweep travel as uuids). Non-finite values are the strings
 * 'NaN' | 'Infinity' | '-Infinity'; snapshot data is base64 of Float64 little-endian bytes.
 */
export const EXPORT_FORMAT = 'scl-lab-runs' as const;
export const EXPORT_VERSION = 1 as const;

const int = z.number().int();
const step = z.number().int().nonnegative();
const jsonNumber = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');

export const scalarSeriesSchema = z
  .object({ steps: z.array(step), values: z.array(jsonNumber), wallMs: z.array(int) })
  .superRefine((s, ctx) => {
    if (s.values.length !== s.steps.length || s.wallMs.length !== s.steps.length) {
      ctx.addIssue({ code: 'custom', message: 'steps, values and wallMs must have the same length' });
    }
  });

export const snapshotSchema = z
  .object({ key: z.string().min(1), step, rows: step, cols: step, wallMs: int, data: base64 })
  .superRefine((s, ctx) => {
    if (Buffer.byteLength(s.data, 'base64') !== s.rows * s.cols * 8) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: `expected ${s.rows} x ${s.cols} Float64 values` });
    }
  });

export const exportedRunSchema = z.object({
  uuid: z.string().min(1),
  name: z.string().nullable(),
  kind: z.enum(RUN_KINDS),
  status: z.enum(RUN_STATUSES),
  statusDetail: z.string().nullable(),
  config: z.record(z.string(), z.unknown()),
  configHash: z.string(),
  seed: int,
  backend: z.string().nullable(),
  appVersion: z.string().min(1),
  env: z.unknown(),
  createdAt: int,
  startedAt: int.nullable(),
  finishedAt: int.nullable(),
  heartbeatAt: int.nullable(),
  lastStep: int.nullable(),
  error: z.string().nullable(),
  notes: z.string().nullable(),
  resumedFromUuid: z.string().nullable(),
  sweepUuid: z.string().nullable(),
  result: z.unknown(),
  deletedAt: int.nullable(),
  tags: z.array(z.string().min(1)),
  scalars: z.record(z.string().min(1), scalarSeriesSchema),
  snapshots: z.array(snapshotSchema),
});

export const exportedSweepSchema = z.object({
  uuid: z.string().min(1),
  name: z.string().min(1),
  spec: z.unknown(),
  createdAt: int,
});

export const exportBundleSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: int,
  sweeps: z.array(exportedSweepSchema),
  runs: z.array(exportedRunSchema),
});

export type ExportBundle = z.infer<typeof exportBundleSchema>;
export type ExportedRun = z.infer<typeof exportedRunSchema>;
export type ExportedSweep = z.infer<typeof exportedSweepSchema>;
export type ExportedScalarSeries = z.infer<typeof scalarSeriesSchema>;

/** `runs[2].scalars["train/loss"].values[5]` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][\w$]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out === '' ? '(root)' : out;
}
