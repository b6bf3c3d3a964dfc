/** The quit guard: ask when runs are active, cancel cleanly, quit once. */
import { describe, expect, it, vi } from 'vitest';
import { createQuitGuard, type QuitGuardDeps } from '../../src-main/electron/lifecycle';

function deps(active: number, answers: boolean[] = []) {
  const order: string[] = [];
  let release!: () => void;
  const d = {
    activeRuns: vi.fn(() => active),
    confirm: vi.fn(async (n: number) => {
      order.push(`confirm(${n})`);
      return answers.shift() ?? false;
    }),
    shutdown: vi.fn(async () => {
      order.push('shutdown');
    }),
    quit: vi.fn(() => order.push('quit')),
    log: vi.fn(),
  } satisfies QuitGuardDeps;
  return { d, order, hold: () => new Promise<void>((r) => (release = r)), release: () => release() };
}

describe('quit guard', () => {
  it('no active runs: shuts down and quits without asking', async () => {
    const { d, order } = deps(0);
    const g = createQuitGuard(d);
    expect(g.mayClose()).toBe(false);
    await g.requestQuit();
    expect(order).toEqual(['shutdown', 'quit']);
    expect(g.state).toBe('done');
    expect(g.mayClose()).toBe(true);
  });

  it('active runs: asks; "keep running" changes nothing; "quit" cancels them and quits', async () => {
    const { d, order } = deps(2, [false, true]);
    const g = createQuitGuard(d);
    await g.requestQuit();
    expect(order).toEqual(['confirm(2)']);
    expect(g.state).toBe('running');
    expect(g.mayClose()).toBe(false);
    await g.requestQuit();
    expect(order).toEqual(['confirm(2)', 'confirm(2)', 'shutdown', 'quit']);
    expect(g.mayClose()).toBe(true);
  });

  it('asks once when quit is requested twice (window close + Cmd+Q)', async () => {
    const { d } = deps(1, [true]);
    const g = createQuitGuard(d);
    const a = g.requestQuit();
    const b = g.requestQuit();
    await Promise.all([a, b]);
    expect(d.confirm).toHaveBeenCalledTimes(1);
    expect(d.shutdown).toHaveBeenCalledTimes(1);
    expect(d.quit).toHaveBeenCalledTimes(1);
    await g.requestQuit();
    expect(d.quit).toHaveBeenCalledTimes(1);
  });

  it('a signal (force) quits without asking, also while the dialog is open, and shuts down once', async () => {
    let answer!: (v: boolean) => void;
    const { d } = deps(1);
    d.confirm.mockImplementation(() => new Promise<boolean>((r) => (answer = r)));
    const g = createQuitGuard(d);
    const asking = g.requestQuit();
    expect(g.state).toBe('asking');
    await g.requestQuit({ force: true });
    expect(d.shutdown).toHaveBeenCalledTimes(1);
    expect(d.quit).toHaveBeenCalledTimes(1);
    answer(true); // the dialog answers late
    await asking;
    expect(d.shutdown).toHaveBeenCalledTimes(1);
    expect(d.quit).toHaveBeenCalledTimes(1);
  });

  it('a failing shutdown is logged and the app still quits', async () => {
    const { d } = deps(0);
    d.shutdown.mockRejectedValueOnce(new Error('disk full'));
    const g = createQuitGuard(d);
    await g.requestQuit();
    expect(d.log).toHaveBeenCalledWith(expect.stringContaining('disk full'));
    expect(d.quit).toHaveBeenCalledTimes(1);
  });

  it('a failing dialog counts as "keep running"', async () => {
    const { d } = deps(1);
    d.confirm.mockRejectedValueOnce(new Error('no display'));
    const g = createQuitGuard(d);
    await g.requestQuit();
    expect(d.shutdown).not.toHaveBeenCalled();
    expect(g.state).toBe('running');
  });

  it('while stopping, further requests wait for the same shutdown', async () => {
    const { d, hold, release } = deps(0);
    const held = hold();
    d.shutdown.mockImplementationOnce(() => held);
    const g = createQuitGuard(d);
    const first = g.requestQuit();
    expect(g.state).toBe('stopping');
    const second = g.requestQuit();
    release();
    await Promise.all([first, second]);
    expect(d.shutdown).toHaveBeenCalledTimes(1);
    expect(d.quit).toHaveBeenCalledTimes(1);
  });
});
