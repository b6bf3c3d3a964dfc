/**
 * The preload: exposes exactly the API contract to the renderer as `window.sclLab = { call, on }`.
 *
 * It runs sandboxed (contextIsolation + sandbox), where `require` knows only 'electron': so it imports nothing of
 * ours at run time (types only) and the method / event names and channel prefixes are written out here.
 * test/electron/preload.test.ts checks that they equal the contract's METHOD_NAMES / EVENT_NAMES and
 * constants.ts, and that the built preload requires nothing but 'electron'. Inputs are validated in the main
 * process by the one server implementation (src-main/api/server.ts); this file only refuses names that are not
 * in the contract, so nothing else reaches ipcRenderer.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiErrorShape, EventName, MethodName } from '../api/contract';

const CALL_CHANNEL_PREFIX = 'scl-lab:call:';
const EVENT_CHANNEL_PREFIX = 'scl-lab:event:';

export const PRELOAD_METHOD_NAMES = [
  'app.info',
  'runs.list',
  'runs.get',
  'runs.validate',
  'runs.create',
  'runs.cancel',
  'runs.resume',
  'runs.delete',
  'trash.list',
  'trash.restore',
  'trash.empty',
  'runs.setNotes',
  'runs.addTag',
  'runs.removeTag',
  'runs.rename',
  'runs.metricKeys',
  'runs.series',
  'runs.history',
  'runs.snapshotSteps',
  'runs.snapshot',
  'runs.seedGroups',
  'runs.summarize',
  'runs.export',
  'sweeps.create',
  'sweeps.list',
  'slurm.sweeps',
  'slurm.collect',
  'reproduce.presets',
  'reproduce.start',
  'reproduce.report',
  'views.list',
  'views.save',
  'views.delete',
] as const satisfies readonly MethodName[];

export const PRELOAD_EVENT_NAMES = ['run.status', 'run.progress', 'run.eval', 'metrics.flushed', 'runs.changed'] as const satisfies readonly EventName[];

// Compile-time: a contract method or event missing above is a type error (the test checks the order and extras).
type Missing<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;
const allMethods: Missing<MethodName, (typeof PRELOAD_METHOD_NAMES)[number]> = true;
const allEvents: Missing<EventName, (typeof PRELOAD_EVENT_NAMES)[number]> = true;
void allMethods;
void allEvents;

const METHODS: ReadonlySet<string> = new Set(PRELOAD_METHOD_NAMES);
const EVENTS: ReadonlySet<string> = new Set(PRELOAD_EVENT_NAMES);

/** What the main process answers on a call channel (see ipc.ts). */
type CallReply = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

export interface SclLabBridge {
  /** Resolves with the method's output; rejects with the contract's error shape `{ code, message, issues? }`. */
  call(method: string, input?: unknown): Promise<unknown>;
  /** Subscribe to a contract event; returns the unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void;
}

function isReply(v: unknown): v is CallReply {
  return typeof v === 'object' && v !== null && typeof (v as { ok?: unknown }).ok === 'boolean';
}

export const bridge: SclLabBridge = {
  async call(method, input) {
    if (typeof method !== 'string' || !METHODS.has(method)) {
      const error: ApiErrorShape = { code: 'UNKNOWN_METHOD', message: `unknown method "${String(method)}" (known: ${PRELOAD_METHOD_NAMES.join(', ')})` };
      throw error;
    }
    const reply: unknown = await ipcRenderer.invoke(CALL_CHANNEL_PREFIX + method, input);
    if (!isReply(reply)) {
      const error: ApiErrorShape = { code: 'INTERNAL', message: `no valid reply from the main process for ${method}` };
      throw error;
    }
    if (reply.ok) return reply.value;
    throw reply.error; // a plain object: it crosses the context bridge with code, message and issues intact
  },

  on(event, listener) {
    if (typeof event !== 'string' || !EVENTS.has(event)) {
      throw new Error(`unknown event "${String(event)}" (known: ${PRELOAD_EVENT_NAMES.join(', ')})`);
    }
    if (typeof listener !== 'function') throw new Error('the listener must be a function');
    const channel = EVENT_CHANNEL_PREFIX + event;
    // the IpcRendererEvent (which holds `sender`) never reaches the page: only the payload does
    const handler = (_e: IpcRendererEvent, payload: unknown): void => {
      try {
        listener(payload);
      } catch (err) {
        console.error(`a ${event} listener threw`, err);
      }
    };
    ipcRenderer.on(channel, handler);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      ipcRenderer.removeListener(channel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('sclLab', bridge);
