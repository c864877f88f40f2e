// One error type for everything the server says no to. `code` is stable: clients,
// tests and the login pages' messages key on it.
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

const make = (code: string, status: number) => (message: string, details?: Record<string, unknown>) =>
  new AppError(code, status, message, details);

export const badRequest = make('invalid_request', 400);
export const unauthorized = make('unauthorized', 401);
export const forbidden = make('forbidden', 403);
export const notFound = make('not_found', 404);
export const conflict = make('conflict', 409);
export const preconditionFailed = make('precondition_failed', 412);
export const tooManyRequests = make('too_many_requests', 429);

/** What a person is told when their address is over a rate limit. */
export const TOO_MANY_ATTEMPTS = 'Too many attempts from your address. Wait a minute and try again.';

/** A value from a request, quoted for an error message: its JSON, cut to a readable length. */
export function shown(value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
