/**
 * Argument parsers shared by the CLI's commands (commander calls them; an InvalidArgumentError names the bad
 * value). Imports commander only, so every command file can use them without an import cycle.
 */
import { InvalidArgumentError } from 'commander';

export function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

function parseId(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${v}" is not a ${what} id (a whole number >= 1)`);
  return n;
}

export const parseRunId = (v: string): number => parseId(v, 'run');
export const parseSweepId = (v: string): number => parseId(v, 'sweep');
