/** Short notifications (errors of background calls, confirmations). */
export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export const toasts = $state<{ list: Toast[] }>({ list: [] });
let next = 1;

export function notify(text: string, kind: Toast['kind'] = 'info', ms = kind === 'error' ? 8000 : 3500): void {
  const id = next++;
  toasts.list = [...toasts.list.slice(-4), { id, kind, text }];
  setTimeout(() => dismiss(id), ms);
}

export function dismiss(id: number): void {
  toasts.list = toasts.list.filter((t) => t.id !== id);
}

export function notifyError(e: unknown, what?: string): void {
  const msg = e instanceof Error ? e.message : String(e);
  notify(what ? `${what}: ${msg}` : msg, 'error');
}
