// JSON logs with a request id. Anything that can carry a secret is redacted by path;
// code never logs request bodies.
import pino, { type Logger } from 'pino';

export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.client_secret',
  '*.clientSecret',
  '*.code',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: {
      // Query strings carry codes, states and tokens: log the path only.
      req: (req: { method: string; url: string; id: string; ip?: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0], ip: req.ip }),
    },
  }, destination);
}
