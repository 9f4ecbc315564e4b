/**
 * What a command needs from the process, injected so commands run in tests without spawning.
 */
import type { Logger } from '../log.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** where fault commands are read from (standard input); undefined: no fault console */
  stdin?: NodeJS.ReadableStream;
  logger: Logger;
  /** resolves when the user asks the process to stop (SIGINT/SIGTERM); tests pass their own */
  stopSignal: Promise<void>;
}

export function processStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { process.off('SIGINT', done); process.off('SIGTERM', done); resolve(); };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export function writeLine(stream: NodeJS.WritableStream, line: string): void {
  stream.write(line.endsWith('\n') ? line : line + '\n');
}
