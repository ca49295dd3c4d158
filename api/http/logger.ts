/** The API's structured log: one JSON line per request, with its request id. */
import winston from 'winston';

/** Builds the logger; `silent` for tests that start servers in-process. */
export function createApiLogger(options: { level?: string; silent?: boolean; file?: string } = {}): winston.Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [options.file ? new winston.transports.File({ filename: options.file }) : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
