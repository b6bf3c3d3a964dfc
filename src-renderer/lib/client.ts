/**
 * The renderer's only way to the app: a typed client of the API contract (src-main/api/contract.ts, types
 * only). Two transports, one interface:
 *  - Electron: the preload exposes `window.sclLab = { call, on }`; used when present.
 *  - serve mode: `POST /api/<method>` (JSON body, `Authorization: Bearer <token>`), events over the
 *    WebSocket `/events?token=...` as frames `{ "event": name, "payload": ... }`. The token arrives once in
 *    the page URL (`?token=...`); it is kept in sessionStorage and stripped from the address bar.
 */
import type {
  ApiErrorShape,
  EventName,
  EventPayload,
  MethodInput,
  MethodName,
  MethodOutput,
} from '../../src-main/api/contract';

export type { EventName, EventPayload, MethodInput, MethodName, MethodOutput };
export type FieldIssue = { field: string; message: string };
export type Listener<E extends EventName> = (payload: EventPayload<E>) => void;
/** 'unauthorized': the server refused this tab's token (it belongs to an earlier `scl-lab serve`): no more retries. */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unauthorized';

export interface Client {
  readonly transport: 'electron' | 'http';
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Subscribe to a pushed event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: Listener<E>): () => void;
  /** Live-event connection state (always 'open' over Electron IPC). */
  onConnection?(listener: (s: ConnectionState) => void): () => void;
}

/** Every failed call rejects with this: the contract's error shape. */
export class ApiError extends Error implements ApiErrorShape {
  readonly code: ApiErrorShape['code'];
  readonly issues?: FieldIssue[];
  readonly status?: number;
  constructor(shape: ApiErrorShape, status?: number) {
    super(shape.message);
    this.name = 'ApiError';
    this.code = shape.code;
    this.issues = shape.issues;
    this.status = status;
  }
}

const CODES = new Set(['INVALID_INPUT', 'INVALID_CONFIG', 'NOT_FOUND', 'STATE', 'UNKNOWN_METHOD', 'INTERNAL', 'UNAUTHORIZED']);

/** Best effort: turn whatever a transport rejected with into an ApiError. */
export function toApiError(err: unknown, status?: number): ApiError {
  if (err instanceof ApiError) return err;
  const o = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  // shape may be nested as { error: {...} }
  const inner = typeof o.error === 'object' && o.error !== null ? (o.error as Record<string, unknown>) : o;
  const code = typeof inner.code === 'string' && CODES.has(inner.code) ? (inner.code as ApiErrorShape['code']) : null;
  let message = typeof inner.message === 'string' ? inner.message : err instanceof Error ? err.message : String(err);
  // Electron's ipcRenderer.invoke wraps rejections: "Error invoking remote method 'x': Error: {json}"
  const json = /(\{.*\})\s*$/s.exec(message);
  if (!code && json) {
    try {
      return toApiError(JSON.parse(json[1]!), status);
    } catch {
      /* not JSON */
    }
  }
  message = message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '');
  const issues = Array.isArray(inner.issues)
    ? (inner.issues as unknown[]).filter(
        (i): i is FieldIssue => typeof i === 'object' && i !== null && typeof (i as FieldIssue).field === 'string',
      )
    : undefined;
  const byStatus = status === 401 || status === 403 ? 'UNAUTHORIZED' : status === 404 ? 'NOT_FOUND' : 'INTERNAL';
  return new ApiError({ code: code ?? byStatus, message, issues }, status);
}

// ---- Electron ----

interface Bridge {
  call(method: string, input: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

function bridge(): Bridge | null {
  const b = (globalThis as { sclLab?: Bridge }).sclLab;
  return b && typeof b.call === 'function' && typeof b.on === 'function' ? b : null;
}

export function electronClient(b: Bridge): Client {
  return {
    transport: 'electron',
    async call(method, input) {
      try {
        return (await b.call(method, input)) as never;
      } catch (e) {
        throw toApiError(e);
      }
    },
    on(event, listener) {
      return b.on(event, listener as (p: unknown) => void);
    },
    onConnection(listener) {
      listener('open');
      return () => {};
    },
  };
}

// ---- serve mode ----

export const TOKEN_KEY = 'scl-lab.token';

/** Take `?token=` from the address bar into sessionStorage and remove it from the URL. */
export function takeToken(loc: Location = location, store: Storage = sessionStorage): string | null {
  const url = new URL(loc.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    store.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  return fromUrl ?? store.getItem(TOKEN_KEY);
}

export interface HttpOptions {
  /** Base URL of the server, default: this page's origin. */
  base?: string;
  token: string | null;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
}

export function httpClient(opts: HttpOptions): Client {
  const base = opts.base ?? location.origin;
  const doFetch = opts.fetch ?? fetch.bind(globalThis);
  const WS = opts.WebSocket ?? globalThis.WebSocket;
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const connListeners = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = 'closed';
  let ws: WebSocket | null = null;
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const setState = (s: ConnectionState) => {
    if (state === 'unauthorized') return; // final: a new token needs a new page
    state = s;
    for (const l of connListeners) l(s);
  };

  /** A refused WebSocket says nothing about why: ask the API whether the token is still good. */
  const tokenRefused = async (): Promise<boolean> => {
    try {
      const res = await doFetch(new URL('/api/app.info', base).href, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) },
        body: '{}',
      });
      return res.status === 401;
    } catch {
      return false; // the server is not there (yet): keep retrying
    }
  };

  const connect = () => {
    if (ws || !WS || state === 'unauthorized') return;
    const url = new URL('/events', base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (opts.token) url.searchParams.set('token', opts.token);
    setState('connecting');
    const sock = new WS(url.href);
    ws = sock;
    sock.onopen = () => {
      retry = 0;
      setState('open');
    };
    sock.onmessage = (ev) => {
      let frame: { event?: unknown; payload?: unknown };
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (typeof frame.event !== 'string') return;
      for (const l of listeners.get(frame.event) ?? []) {
        try {
          l(frame.payload);
        } catch (e) {
          console.error(`listener of ${frame.event} failed`, e);
        }
      }
    };
    sock.onclose = () => {
      ws = null;
      setState('closed');
      if (timer === null) {
        // reconnect with backoff (0.5 s .. 10 s) while anyone listens, unless the server refuses our token
        const delay = Math.min(10_000, 500 * 2 ** retry++);
        timer = setTimeout(() => {
          timer = null;
          if (listeners.size === 0 && connListeners.size === 0) return;
          void tokenRefused().then((refused) => (refused ? setState('unauthorized') : connect()));
        }, delay);
      }
    };
    sock.onerror = () => sock.close();
  };

  return {
    transport: 'http',
    async call(method, input) {
      let res: Response;
      try {
        res = await doFetch(new URL(`/api/${method}`, base).href, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
          },
          body: JSON.stringify(input ?? {}),
        });
      } catch (e) {
        throw new ApiError({ code: 'INTERNAL', message: `cannot reach the lab server: ${(e as Error).message}` });
      }
      if (res.status === 401) setState('unauthorized');
      if (res.ok) {
        // the success path parses straight from the body (big series / lists: no intermediate string)
        if (res.status === 204) return undefined as never;
        try {
          return (await res.json()) as never;
        } catch (e) {
          throw new ApiError({ code: 'INTERNAL', message: `the server sent invalid JSON for ${method}: ${(e as Error).message}` }, res.status);
        }
      }
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = { message: text.slice(0, 500) || res.statusText };
      }
      throw toApiError(body ?? { message: res.statusText }, res.status);
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (p: unknown) => void);
      connect();
      return () => {
        set!.delete(listener as (p: unknown) => void);
        if (set!.size === 0) listeners.delete(event);
      };
    },
    onConnection(listener) {
      connListeners.add(listener);
      listener(state);
      connect();
      return () => connListeners.delete(listener);
    },
  };
}

/**
 * Calls `fn` each time the live connection comes back after it was lost (events may have been missed meanwhile:
 * refetch what the page shows). Returns the unsubscribe function.
 */
export function onReconnect(client: Client, fn: () => void): () => void {
  let lost = false;
  let opened = false;
  return (
    client.onConnection?.((s) => {
      if (s === 'open') {
        if (opened && lost) fn();
        opened = true;
        lost = false;
      } else if (opened) lost = true;
    }) ?? (() => {})
  );
}

/** What to tell the user whose tab holds the token of an earlier `scl-lab serve` process. */
export const STALE_TOKEN_MESSAGE =
  'This tab belongs to an earlier scl-lab serve: its token is no longer accepted. Open the URL that the running ' +
  '"scl-lab serve" printed (it carries the new token), or start "scl-lab serve" again and open its URL.';

/** The client for this page: Electron's bridge when present, else HTTP + WebSocket to this origin. */
export function createClient(): Client {
  const b = bridge();
  if (b) return electronClient(b);
  return httpClient({ token: takeToken() });
}
