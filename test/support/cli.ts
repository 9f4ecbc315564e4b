/** Runs `ecn` in this process with captured output (no spawn), for CLI tests. */
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';

export async function runEcn(args: string[], stopSignal: Promise<void> = new Promise(() => undefined)): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => { out += String(d); });
  stderr.on('data', (d) => { err += String(d); });
  const code = await run(args, { stdout, stderr, logger: silentLogger, stopSignal, stdin: undefined });
  return { code, out, err };
}
