/**
 * Logging: one pino root per process, one child per component. Secrets are redacted by key wherever they appear
 * in the first levels of a log object.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const REDACT = [
  'password', 'saslPassword', 'token', 'authorization',
  '*.password', '*.saslPassword', '*.token', '*.authorization',
  '*.*.password', '*.*.saslPassword',
];

export interface LogOptions {
  level?: string;
  /** where to write; defaults to stderr so stdout stays clean for command output */
  destination?: NodeJS.WritableStream | number;
  name?: string;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? process.env.ECN_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { name: opts.name ?? 'ecn' },
  };
  const dest = opts.destination ?? 2;
  return pino(options, typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : (dest as pino.DestinationStream));
}

/** A logger that drops everything: the default for library code and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
