/** Runs `ecn` in this process with captured output (no spawn), for CLI tests. */
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';

/** Runs a command to its end (or until `stopSignal`), and gives its exit code and output. */
export async function runEcn(args: string[], stopSignal: Promise<void> = new Promise(() => undefined)): Promise<{ code: number; out: string; err: string }> {
  const ecn = startEcn(args, stopSignal);
  const code = await ecn.done;
  return { code, out: ecn.out(), err: ecn.err() };
}

/** A long-running `ecn` command started in this process: its output so far, whether it ended, and a stop. */
export interface RunningEcn {
  out(): string;
  err(): string;
  /** resolves with the exit code once the command ends */
  done: Promise<number>;
  ended(): boolean;
  /** stops the command (its stop signal) and resolves with the exit code */
  stop(): Promise<number>;
}

/** Starts a command; it stops on `stop()` or when `external` resolves, whichever comes first. */
export function startEcn(args: string[], external?: Promise<void>): RunningEcn {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => { out += String(d); });
  stderr.on('data', (d) => { err += String(d); });
  let stop!: () => void;
  const stopped = new Promise<void>((r) => { stop = r; });
  const stopSignal = external ? Promise.race([stopped, external]) : stopped;
  const done = run(args, { stdout, stderr, logger: silentLogger, stopSignal, stdin: undefined });
  let ended = false;
  void done.finally(() => { ended = true; }).catch(() => undefined);
  return { out: () => out, err: () => err, done, ended: () => ended, stop: async () => { stop(); return done; } };
}
