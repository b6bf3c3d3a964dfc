/**
 * A real one-node Slurm on loopback for the tests, in a temporary folder: munged with its own key and socket,
 * slurmctld and slurmd with a generated slurm.conf (non-default ports, no accounting storage), state, spool,
 * pid and log files under the folder. Up in about a second; stop() kills every daemon and job step it started
 * and removes the folder. Fails with a clear message where it cannot start (not root, packages missing).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export const SLURM_BINARIES = ['munged', 'munge', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];

export interface SlurmCluster {
  dir: string;
  conf: string;
  /** Environment for processes that talk to this cluster (sbatch, scl-lab ...). */
  env: Record<string, string>;
  /** Runs one of Slurm's commands against this cluster. */
  cmd(name: string, args: string[]): { code: number | null; stdout: string; stderr: string };
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

/** Processes started by this cluster's daemons (job steps, tasks): their environment names our slurm.conf. */
function clusterPids(conf: string): number[] {
  const marker = `SLURM_CONF=${conf}\0`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(marker)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  if (process.platform !== 'linux') throw new Error('the Slurm tests need Linux (Debian packages slurm-wlm and munge)');
  if (process.getuid?.() !== 0) {
    throw new Error('the Slurm tests need root: slurmd runs jobs as their user and munged its key as root (run them as root, as .ci/run does)');
  }
  const missing = SLURM_BINARIES.filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  if (missing.length) throw new Error(`the Slurm tests need ${missing.join(', ')} on PATH: apt-get install slurm-wlm munge`);

  const dir = mkdtempSync(join(tmpdir(), 'scl-slurm-'));
  chmodSync(dir, 0o755);
  const host = hostname().split('.')[0]!;
  const conf = join(dir, 'slurm.conf');
  const sock = join(dir, 'munge', 'munge.sock');
  const daemons: ChildProcess[] = [];
  const env = { ...process.env, SLURM_CONF: conf } as Record<string, string>;
  const cmd = (name: string, args: string[]) => {
    const r = spawnSync(name, args, { encoding: 'utf8', env, timeout: 30_000 });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };

  const stop = async () => {
    if (daemons.some((d) => d.exitCode === null)) cmd('scancel', ['--user=root']);
    for (let i = 0; i < 20 && clusterPids(conf).some((p) => !daemons.some((d) => d.pid === p)); i++) await sleep(250);
    for (const d of [...daemons].reverse()) d.kill('SIGTERM');
    const all = Promise.all(daemons.map(exited));
    if ((await Promise.race([all.then(() => true), sleep(5000).then(() => false)])) === false) {
      for (const d of daemons) if (d.exitCode === null) d.kill('SIGKILL');
      await all;
    }
    for (const pid of clusterPids(conf)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
    mkdirSync(join(dir, 'munge'), { mode: 0o700 });
    writeFileSync(join(dir, 'munge', 'munge.key'), randomBytes(1024), { mode: 0o400 });
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    writeFileSync(
      conf,
      [
        'ClusterName=scltest',
        `SlurmctldHost=${host}(127.0.0.1)`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${sock}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmdSpoolDir=${join(dir, 'spool')}`,
        `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
        `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'MpiDefault=none',
        'SchedulerType=sched/builtin',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_CPU',
        'ReturnToService=2',
        // no accounting storage (sacct needs slurmdbd + a database): squeue and the shards tell the story
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'KillWait=5', // SIGTERM -> SIGKILL on cancel / requeue
        'MinJobAge=600', // squeue remembers ended tasks for 10 minutes
        `NodeName=${host} NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN`,
        `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    const start = (bin: string, args: string[]) => {
      const p = spawn(bin, args, { env, stdio: 'ignore' });
      p.on('error', () => {});
      daemons.push(p);
    };
    start('munged', ['-F', '-f', `--socket=${sock}`, `--key-file=${join(dir, 'munge', 'munge.key')}`,
      `--pid-file=${join(dir, 'munge', 'munged.pid')}`, `--log-file=${join(dir, 'log', 'munged.log')}`, `--seed-file=${join(dir, 'munge', 'seed')}`]);
    for (let i = 0; i < 50 && spawnSync('munge', ['-n', '-S', sock]).status !== 0; i++) await sleep(100);
    start('slurmctld', ['-D', '-f', conf]);
    start('slurmd', ['-D', '-f', conf]);
    for (let i = 0; ; i++) {
      const r = cmd('sinfo', ['-h', '-o', '%T']);
      if (r.code === 0 && r.stdout.trim() === 'idle') break;
      const dead = daemons.find((d) => d.exitCode !== null);
      if (i > 100 || dead) {
        throw new Error(
          `the test Slurm did not come up (${dead ? 'a daemon exited' : 'no idle node after 20 s'}): sinfo said ${JSON.stringify(r.stdout.trim() || r.stderr.trim())}\n` +
            `slurmctld.log:\n${tail(join(dir, 'log', 'slurmctld.log'))}\nslurmd.log:\n${tail(join(dir, 'log', 'slurmd.log'))}\nmunged.log:\n${tail(join(dir, 'log', 'munged.log'))}`,
        );
      }
      await sleep(200);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, conf, env, cmd, stop };
}
