/**
 * Messages between the runner (main thread) and a training worker. Typed here, and checked on arrival
 * (a worker message is a boundary: a malformed one fails the run with a clear error instead of corrupting it).
 */
import { z } from 'zod';
import { runConfigSchema } from '../api/schema/config';
import { evalRecordSchema, runResultSchema } from '../api/schema/result';

export interface StartMessage {
  type: 'start';
  runId: number;
  config: unknown;
  backend: string;
  /** Compute threads for this run (its share of the thread budget, thread-budget.ts). */
  threads: number;
  /** Int32Array(1) over it: 1 = stop at the next step boundary. */
  cancelFlag: SharedArrayBuffer;
  /** The latest checkpoint as stored (opaque bytes + meta; the worker decodes it). */
  restore?: { data: Uint8Array; meta: unknown };
  priorHistory?: unknown[];
  priorSeconds?: number;
}

const u8 = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected a Uint8Array');
const f64 = z.custom<Float64Array>((v) => v instanceof Float64Array, "expected a Float64Array");

export const workerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('backend'),
    name: z.string(),
    skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
    threads: z.number().int().positive().nullable(),
    threadsRequested: z.number().int().positive(),
    wasm: z.object({ build: z.enum(['threaded-simd', 'simd']), threads: z.number().int().positive(), reason: z.string() }).optional(),
  }),
  z.object({
    type: z.literal('progress'),
    epoch: z.number(),
    epochs: z.number(),
    loss: z.number(),
    batch: z.number().optional(),
    batches: z.number().optional(),
  }),
  z.object({
    type: z.literal('metrics'),
    /** NaN and ±Infinity are legitimate metric values (the store keeps them with a flag). */
    rows: z.array(z.object({ step: z.number().int().nonnegative(), key: z.string(), value: z.union([z.number(), z.nan()]) })),
  }),
  z.object({
    type: z.literal('snapshot'),
    key: z.string(),
    step: z.number().int().nonnegative(),
    rows: z.number().int().positive(),
    cols: z.number().int().positive(),
    data: f64,
  }),
  z.object({
    type: z.literal('eval'),
    record: evalRecordSchema,
  }),
  z.object({
    type: z.literal('checkpoint'),
    epoch: z.number().int().nonnegative(),
    data: u8,
    meta: z.object({ kind: z.enum(['ufm', 'deep']), epoch: z.number() }).passthrough(),
  }),
  z.object({ type: z.literal('log'), line: z.string() }),
  z.object({ type: z.literal('done'), result: runResultSchema }),
  z.object({ type: z.literal('failed'), error: z.string() }),
]);
export type WorkerMessage = z.infer<typeof workerMessageSchema>;

export { runConfigSchema };
