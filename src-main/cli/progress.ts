/** A progress bar on stderr (cli-progress) when stderr is a terminal; sparse plain lines otherwise. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, info?: string): void;
  stop(): void;
}

export function makeProgress(total: number, label: string, quiet = false): Progress {
  if (quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {info}`,
        hideCursor: true,
        etaBuffer: 50,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return {
      update: (done, info = '') => bar.update(done, { info }),
      stop: () => bar.stop(),
    };
  }
  // Not a terminal (CI, pipes): one line per 10 %.
  let nextMark = 0;
  return {
    update(done, info = '') {
      const pct = Math.floor((100 * done) / Math.max(total, 1));
      if (pct >= nextMark) {
        process.stderr.write(`${label} ${pct}% (${done}/${total}) ${info}\n`);
        nextMark = pct - (pct % 10) + 10;
      }
    },
    stop() {},
  };
}
