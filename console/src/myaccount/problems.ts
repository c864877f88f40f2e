// The server's refusals in the words My Account shows. The API's messages are written for
// developers and name JSON fields; a user needs to know what to do.
import { ApiError, messageOf } from '../api/client';

/** Did the server refuse because too many codes were wrong (the app's codes are refused for a while)? */
export const isLocked = (err: unknown): boolean => err instanceof ApiError && err.code === 'totp_locked';

/** Was the session to end not there (it ended meanwhile, on that device or from another)? */
export const isSessionGone = (err: unknown): boolean => err instanceof ApiError && err.code === 'session_not_found';

export function plainProblem(err: unknown): string {
  if (!(err instanceof ApiError)) return messageOf(err);
  switch (err.code) {
    case 'insufficient_user_authentication':
      // Without a code, or where this server does not accept one (codes not counted toward a lock).
      return err.message.includes('not counted')
        ? 'This server does not accept a code typed here for this change. Ask your administrator to reset your two-step verification instead.'
        : 'This change needs a code from your current authenticator app.';
    case 'invalid_current_password':
      return 'Your current password is not correct. After several wrong tries the password is locked for a while.';
    case 'invalid_request':
      // The password policy: "newPassword must be at least 8 characters long".
      return sentence(err.message.replace(/^newPassword\b/, 'The new password').replace(/^currentPassword\b/, 'The current password'));
    default:
      return err.message;
  }
}

const sentence = (text: string): string => {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};
