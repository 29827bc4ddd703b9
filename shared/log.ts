/**
 * The one logger. Nothing logs events, headers or query strings: those carry access keys,
 * passwords and signatures. Log only named, non-secret fields.
 *
 * One JSON line per entry, in the shape the Powertools logger wrote before it (same keys,
 * same order: level, message, timestamp, service, sampling_rate, xray_trace_id on Lambda,
 * then the entry's fields), written straight to stdout (DEBUG, INFO) or stderr (WARN,
 * ERROR) as Powertools did. The metric filters of infra/monitoring.ts match these lines
 * (test/infra/registrarAuthLog.test.ts). Written here because Powertools' logger was
 * about 20 KB of every bundle for these few lines (issue 14).
 */
const LEVELS = { DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;
export type LogLevel = keyof typeof LEVELS;

const levelOf = (name: string | undefined): LogLevel => {
  const upper = name?.toUpperCase();
  return upper && upper in LEVELS ? (upper as LogLevel) : 'INFO';
};

/** Lambda's X-Ray trace id, "Root=1-…;Parent=…;Sampled=1": the Root part, as Powertools logged it. */
const traceId = () => /Root=([^;]+)/.exec(process.env._X_AMZN_TRACE_ID ?? '')?.[1];

class Logger {
  private level: LogLevel;

  constructor(
    private readonly service: string,
    level: string | undefined,
  ) {
    this.level = levelOf(level);
  }

  getLevelName(): LogLevel {
    return this.level;
  }

  setLogLevel(level: string): void {
    this.level = levelOf(level);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('DEBUG', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('INFO', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('WARN', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.write('ERROR', message, fields);
  }

  private write(level: Exclude<LogLevel, 'SILENT'>, message: string, fields: Record<string, unknown> = {}): void {
    if (LEVELS[level] < LEVELS[this.level]) return;
    const line = JSON.stringify({
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.service,
      sampling_rate: 0,
      xray_trace_id: traceId(),
      ...fields,
    });
    (LEVELS[level] >= LEVELS.WARN ? process.stderr : process.stdout).write(`${line}\n`);
  }
}

export const logger = new Logger(
  process.env.POWERTOOLS_SERVICE_NAME ?? 'sip-registry',
  process.env.LOG_LEVEL ?? process.env.POWERTOOLS_LOG_LEVEL,
);
