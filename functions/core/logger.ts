/** Structured JSON logging (Powertools): one line per object and per invocation, never per record. */
import { Logger } from '@aws-lambda-powertools/logger';

/** The part of a logger the functions use, so tests can pass a recorder. */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export function createLogger(serviceName: string): Log {
  const logger = new Logger({ serviceName });
  return {
    debug: (message, extra) => (extra === undefined ? logger.debug(message) : logger.debug(message, extra)),
    info: (message, extra) => (extra === undefined ? logger.info(message) : logger.info(message, extra)),
    warn: (message, extra) => (extra === undefined ? logger.warn(message) : logger.warn(message, extra)),
    error: (message, extra) => (extra === undefined ? logger.error(message) : logger.error(message, extra)),
  };
}

/** A logger that keeps entries in memory (tests, and the local stack when it wants quiet output). */
export function memoryLogger(): Log & {
  entries: { level: string; message: string; extra?: Record<string, unknown> }[];
} {
  const entries: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, extra?: Record<string, unknown>): void => {
      entries.push(extra === undefined ? { level, message } : { level, message, extra });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
