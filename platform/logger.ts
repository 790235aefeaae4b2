import pino from 'pino';

/** The one logger: JSON lines on stdout; secrets are redacted wherever they might appear. */
export function createLogger(name: string) {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: ['req.headers.authorization', '*.authToken', '*.apiKey', '*.password'],
  });
}
