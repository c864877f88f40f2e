// The self-service API My Account calls: /api/users/v1/me/… of this tenant, with the
// user's own bearer token. Each call acts on the signed-in user only.
import { api } from '../api/client';
import type { SessionView, SessionsView } from '../../../src/sessions/user-sessions.service.js';

const ROOT = { root: '/api/users/v1' } as const;

export interface PendingSecret {
  /** The QR code as a PNG data URL. */
  qrCode: string;
  /** Base64 of the otpauth:// URI the QR code holds. */
  qrCodeUrl: string;
  /** Base32, for typing into the app by hand. */
  secret: string;
  algorithm: string;
  digits: number;
  period: number;
}

export interface TotpState {
  status: 'none' | 'pending' | 'active';
  /** A new phone's secret waits for its first code; the active one still works. */
  pendingReplacement: boolean;
  locked: boolean;
  /** null when not locked, or when only an administrator can unlock. */
  lockedUntil: string | null;
  enrolledAt: string | null;
  digits: number | null;
  /** A pending secret, when the server may show it (see PendingSecret). */
  qrCode?: string;
  secret?: string;
}

export const getTotp = (signal?: AbortSignal) => api.get<TotpState>('/me/totp', { ...ROOT, ...(signal ? { signal } : {}) });

/** A new pending secret; `verificationCode` (of the active app) proves the user may replace it. */
export const startTotpSetup = (verificationCode?: string) =>
  api.post<PendingSecret>('/me/totp', verificationCode ? { action: 'REFRESH', verificationCode } : { action: 'INIT' }, ROOT);

export const validateTotp = (verificationCode: string) =>
  api.post<{ isValid: boolean }>('/me/totp', { action: 'VALIDATE', verificationCode }, ROOT);

/** Removes the active app (proven by one of its codes); every session of the user ends. */
export const removeTotp = (verificationCode: string) =>
  api.delete('/me/totp', { ...ROOT, body: { verificationCode } });

/** Forgets an unfinished setup or move to a new phone; the active app, if any, stays. */
export const cancelTotpSetup = () => api.delete('/me/totp/pending', ROOT);

export const getBackupCodes = (signal?: AbortSignal) =>
  api.get<{ remainingBackupCodesCount: number }>('/me/backup-codes', { ...ROOT, ...(signal ? { signal } : {}) });

export const newBackupCodes = (verificationCode: string) =>
  api.post<{ backupCodes: string[] }>('/me/backup-codes', { verificationCode }, ROOT);

/** Ends every session and token of the user, this one included. */
export const changePassword = (currentPassword: string, newPassword: string) =>
  api.post<{ revoked: number }>('/me/password', { currentPassword, newPassword }, ROOT);

/**
 * A browser signed in at the identity server; times are epoch milliseconds as decimal
 * strings (WSO2's format). The server's type (type-only, erased from the bundle).
 */
export type SignInSession = SessionView;

/** The current session first, then the most recently active. */
export const getSessions = (signal?: AbortSignal) =>
  api.get<SessionsView>('/me/sessions', { ...ROOT, ...(signal ? { signal } : {}) });

/** Ends one session and revokes the tokens of the applications signed in through it. */
export const endSession = (id: string) => api.delete(`/me/sessions/${encodeURIComponent(id)}`, ROOT);

/** Ends every session but the one this page's token belongs to, and every token outside a session but this page's. */
export const endOtherSessions = () => api.delete('/me/sessions', { ...ROOT, query: { keepCurrent: true } });
