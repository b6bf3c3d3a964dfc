/** A fake API client for component tests: per-method handlers, a call log, and events pushed by hand. */
import type { Client, ConnectionState, EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../src-renderer/lib/client';

type Handler<M extends MethodName> = (input: MethodInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>>;
export type Handlers = { [M in MethodName]?: Handler<M> };

export interface FakeClient extends Client {
  calls: { method: MethodName; input: unknown }[];
  callsOf<M extends MethodName>(m: M): MethodInput<M>[];
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Moves the live-connection state (reconnects, a refused token). */
  connection(s: ConnectionState): void;
  handlers: Handlers;
}

export function fakeClient(handlers: Handlers = {}): FakeClient {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const calls: { method: MethodName; input: unknown }[] = [];
  const connListeners = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = 'open';
  const c: FakeClient = {
    transport: 'http',
    handlers,
    calls,
    callsOf: (m) => calls.filter((x) => x.method === m).map((x) => x.input) as never,
    async call(method, input) {
      calls.push({ method, input });
      const h = c.handlers[method] as Handler<typeof method> | undefined;
      if (!h) throw Object.assign(new Error(`fake client: no handler for ${method}`), { code: 'UNKNOWN_METHOD' });
      return (await h(input as never)) as never;
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (p: unknown) => void);
      return () => set!.delete(listener as (p: unknown) => void);
    },
    emit(event, payload) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    onConnection(listener) {
      connListeners.add(listener);
      listener(state);
      return () => connListeners.delete(listener);
    },
    connection(s) {
      state = s;
      for (const l of [...connListeners]) l(s);
    },
  };
  return c;
}
