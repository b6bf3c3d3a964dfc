/**
 * The Electron transport of the contract: one `ipcMain.handle` per contract method, each calling the ONE
 * server implementation (`createApi`, which validates every input and output with the contract's schemas), and
 * the event hub's events pushed to the window with `webContents.send`. Replies are envelopes
 * `{ ok: true, value } | { ok: false, error: { code, message, issues? } }` because ipcMain.handle would reduce a
 * thrown error to its message; the preload turns an error envelope back into a rejection.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { METHOD_NAMES, type ApiErrorShape } from '../api/contract';
import { ApiError, toApiError } from '../api/errors';
import type { EventHub } from '../api/events';
import type { Api } from '../api/server';
import { callChannel, eventChannel, isAppOrigin } from './constants';

export type CallReply = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

/** Where events go: the app window's webContents (or nothing while there is no window). */
export interface EventTarget {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface IpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  api: Api;
  hub: EventHub;
  targets: () => Iterable<EventTarget>;
  /** Defaults to `isAppSender`: only the app's own top frame may call. */
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean;
  log?: (line: string) => void;
}

/** A call from the main frame of a page served by the app's own scheme (not a subframe, not anything else). */
export function isAppSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isAppOrigin(frame.url);
}

/** Registers every handler and the event forwarding; returns the function that removes them again. */
export function registerIpc(opts: IpcOptions): () => void {
  const { ipcMain, api, hub } = opts;
  const trusted = opts.isTrustedSender ?? isAppSender;
  const log = opts.log ?? ((l: string) => process.stderr.write(`scl-lab: ${l}\n`));

  for (const method of METHOD_NAMES) {
    ipcMain.handle(callChannel(method), async (event: IpcMainInvokeEvent, input: unknown): Promise<CallReply> => {
      if (!trusted(event)) {
        log(`refused ${method} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        return { ok: false, error: new ApiError('UNAUTHORIZED', `${method}: only the app's own window may call the API`).toJSON() };
      }
      try {
        return { ok: true, value: await api.call(method, input) };
      } catch (e) {
        const err = toApiError(e);
        if (err.code === 'INTERNAL') log(`${method}: ${err.message}`);
        return { ok: false, error: err.toJSON() };
      }
    });
  }

  const unsubscribe = hub.subscribe((event, payload) => {
    for (const target of opts.targets()) {
      if (!target.isDestroyed()) target.send(eventChannel(event), payload);
    }
  });

  return () => {
    unsubscribe();
    for (const method of METHOD_NAMES) ipcMain.removeHandler(callChannel(method));
  };
}
