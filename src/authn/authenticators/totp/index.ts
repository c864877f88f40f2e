// Time-based one-time passwords (RFC 6238) as a second step: enrolls users who have no
// secret (QR in the login), then asks for a code. The secret being enrolled stays in this
// login, sealed, until a correct code proves the phone has it; only then is it stored.
import type { Authenticator, StepContext, FormInput, StepOutcome } from '../../authenticator.js';
import { totpParameters, type TotpParameters } from './parameters.js';
import { activateTotpCredential } from './totp-credential.repository.js';
import {
  TOTP_FACTOR, checkActiveCode, describeEnrollment, matchCode, newTotpSecret, openSecret, sealSecret,
} from './totp.service.js';
import { findTotpCredential } from './totp-credential.repository.js';
import { enrollPage, verifyPage } from './pages.js';
import { emailOf, liveEmailCodes, matchEmailCode, sendEmailCode, type EmailCodeState } from './email-code.js';
import { epochSeconds } from '../../../clock.js';
import { auditSignIn } from '../../../audit/sign-in-audit.js';
import { answerOffer, showOffer, startOffer, type OfferState } from '../backup-code/offer.js';

// One message for wrong, expired and replayed codes: a replay must not confirm a code was valid.
export const TOTP_FAILURE = 'That code is not correct. Enter the code your authenticator app shows now.';
const LOCKED = 'Too many incorrect codes. Two-step verification is locked for this account for a while: try again later, or ask your administrator to unlock it.';

interface Scratch {
  /** The secret being enrolled in this login (sealed: the interaction is stored in the database). */
  enrolling?: string;
  /** The codes mailed in this login ("Get a verification code by email"), as keyed hashes. */
  emailCodes?: EmailCodeState[];
  /** Set once a secret was enrolled in this login: the backup-code offer runs until Continue. */
  backupCodeOffer?: OfferState;
  /** Which stored credential the offer follows (a keyed digest of its sealed secret). */
  offerFor?: string;
}

// The engine asks regulated() and then start() or handle() within one request; the
// sign-in's scratch object lives exactly that long (it is re-read from the interaction on
// every request), so it keys one read of the tenant's parameters per request.
const requestParameters = new WeakMap<object, Promise<TotpParameters>>();
function parametersFor(ctx: StepContext): Promise<TotpParameters> {
  let params = requestParameters.get(ctx.scratch);
  if (!params) {
    params = totpParameters(ctx.deps, ctx.tenant.id);
    requestParameters.set(ctx.scratch, params);
  }
  return params;
}

const OFFER_PURPOSE = 'totp-enrolled-in-login';

/**
 * The offer passes the step without a code: only while the secret this sign-in enrolled is
 * still the user's. Reset by an administrator (or removed and enrolled again elsewhere)
 * while the page stood open, the sign-in has nothing left to stand on.
 */
async function offerStands(ctx: StepContext, scratch: Scratch): Promise<boolean> {
  const active = await findTotpCredential(ctx.deps.store.db, ctx.tenant.id, ctx.user!.id, 'active');
  return active !== undefined && (scratch.offerFor === undefined || ctx.deps.secrets.digest(OFFER_PURPOSE, active.secret) === scratch.offerFor);
}

const OFFER_GONE = {
  kind: 'stop',
  title: 'Sign in again',
  message: 'Two-step verification for this account was changed while you were signing in. Go back to the application and sign in again.',
} as const;

const offersEmail = (ctx: StepContext, params: TotpParameters): boolean =>
  params.AllowSendingVerificationCodeByEmail && emailOf(ctx.user!) !== undefined;

function lastEmailedTo(ctx: StepContext, scratch: Scratch): string | undefined {
  return liveEmailCodes(ctx, scratch.emailCodes).at(-1)?.sentTo;
}

async function enrollOrVerify(ctx: StepContext, params: TotpParameters): Promise<StepOutcome> {
  const user = ctx.user!;
  const active = await findTotpCredential(ctx.deps.store.db, ctx.tenant.id, user.id, 'active');
  const scratch = ctx.scratch as Scratch;
  if (active) {
    delete scratch.enrolling;
    return { kind: 'page', page: verifyPage(ctx, { digits: active.digits, offerEmail: offersEmail(ctx, params), emailedTo: lastEmailedTo(ctx, scratch) }) };
  }
  if (params.enrolUserInAuthenticationFlow) {
    scratch.enrolling ??= sealSecret(ctx.deps, newTotpSecret(params));
    const secret = openSecret(ctx.deps, scratch.enrolling);
    const view = await describeEnrollment(ctx.tenant, user, secret, params);
    return { kind: 'page', page: enrollPage(ctx, { ...view, digits: secret.digits, period: secret.period, algorithm: secret.algorithm }) };
  }
  if (params.authenticationMandatory) {
    return {
      kind: 'stop',
      title: 'Two-step verification is not set up',
      message: `${ctx.application.name} requires a code from an authenticator app, and your account does not have one set up yet. Ask your administrator to let you set it up, or set it up in your account settings, then sign in again.`,
    };
  }
  return { kind: 'skip' };
}

/** "Get a verification code by email": sends, or says why not; never a counted failure. */
async function requestEmail(ctx: StepContext, params: TotpParameters): Promise<StepOutcome> {
  const scratch = ctx.scratch as Scratch;
  const active = await findTotpCredential(ctx.deps.store.db, ctx.tenant.id, ctx.user!.id, 'active');
  const shown = await enrollOrVerify(ctx, params);
  if (shown.kind !== 'page') return shown;
  // Not while enrolling: the emailed code would finish a sign-in without proving the new
  // secret, and the user would have no working second factor afterwards.
  if (!active || !offersEmail(ctx, params)) {
    return { kind: 'page', page: { ...shown.page, error: 'Getting a code by email is not available here. Use your authenticator app.' } };
  }
  const sent = await sendEmailCode(ctx, ctx.user!, active.digits);
  if (!sent.sent) return { kind: 'page', page: { ...shown.page, error: sent.message } };
  scratch.emailCodes = [...liveEmailCodes(ctx, scratch.emailCodes), sent.state];
  const page = verifyPage(ctx, { digits: active.digits, offerEmail: true, emailedTo: sent.state.sentTo });
  const earlier = scratch.emailCodes.length > 1 ? ' Codes we emailed before still work until they expire.' : '';
  return { kind: 'page', page: { ...page, notice: `We sent a code to ${sent.state.sentTo}. It works for ${sent.validFor}, once.${earlier}` } };
}

export const totpAuthenticator = {
  name: TOTP_FACTOR,
  displayName: 'TOTP',
  chooserLabel: 'Use your authenticator app',
  amr: ['otp'],
  // RFC 8176 has no value for a code sent by email; "email" as Okta reports it. It is not
  // "otp" (RFC 4226/6238) and does not prove the phone.
  methods: { email: { amr: ['email'] } },
  needsKnownUser: true,
  lockedMessage: LOCKED,

  enabled: (config) => config.authentication.authenticator.totp.enable,

  async regulated(ctx) {
    return (await parametersFor(ctx)).EnableAccountLockingForFailedAttempts;
  },

  guesses: (ctx, input) => !(ctx.scratch as Scratch).backupCodeOffer && input.sendToken === undefined && Boolean((input.token ?? '').trim()),

  async start(ctx) {
    const scratch = ctx.scratch as Scratch;
    const offer = scratch.backupCodeOffer;
    if (offer) return (await offerStands(ctx, scratch)) ? { kind: 'page', page: await showOffer(ctx, offer) } : OFFER_GONE;
    return enrollOrVerify(ctx, await parametersFor(ctx));
  },

  async handle(ctx, input: FormInput) {
    const user = ctx.user!;
    const offer = (ctx.scratch as Scratch).backupCodeOffer;
    if (offer) {
      // The secret is stored already; nothing posted here is a code, so nothing can fail.
      if (!await offerStands(ctx, ctx.scratch as Scratch)) return OFFER_GONE;
      const next = await answerOffer(ctx, offer, input);
      return next === 'done' ? { kind: 'success', user } : { kind: 'page', page: next };
    }
    const params = await parametersFor(ctx);
    if (input.sendToken !== undefined) return requestEmail(ctx, params);
    const code = (input.token ?? '').trim();
    const scratch = ctx.scratch as Scratch;
    if (!code) {
      // An empty form guesses nothing: asked again, not counted against the lock.
      const shown = await enrollOrVerify(ctx, params);
      return shown.kind === 'page' ? { kind: 'page', page: { ...shown.page, error: 'Enter the code your authenticator app shows.' } } : shown;
    }

    if (!scratch.enrolling && params.AllowSendingVerificationCodeByEmail && matchEmailCode(ctx, scratch.emailCodes, code) >= 0) {
      delete scratch.emailCodes;
      ctx.deps.logger.info({ event: 'totp_email_code_accepted', tenantId: ctx.tenant.id, userId: user.id }, 'TOTP step passed with an emailed code');
      return { kind: 'success', user, method: 'email' };
    }

    if (scratch.enrolling) {
      const secret = openSecret(ctx.deps, scratch.enrolling);
      const step = matchCode(ctx.deps, secret, code, params);
      if (step === null) return { kind: 'failure', error: { code: 'invalid_code', message: TOTP_FAILURE } };
      const sealed = ctx.deps.secrets.seal(secret.secret);
      const stored = await activateTotpCredential(ctx.deps.store.db, {
        tenant_id: ctx.tenant.id, user_id: user.id, secret: sealed,
        algorithm: secret.algorithm, digits: secret.digits, period: secret.period,
        last_used_step: step, created_at: epochSeconds(ctx.deps.clock),
      }, 'first');
      delete scratch.enrolling;
      if (!stored) {
        // Another login enrolled a device meanwhile; this secret is not the user's. Ask for
        // a code of the device that won.
        return { kind: 'failure', error: { code: 'already_enrolled', message: 'An authenticator app was set up for this account in another sign-in. Enter the code from that app.' } };
      }
      ctx.deps.logger.info({ event: 'totp_enrolled', tenantId: ctx.tenant.id, userId: user.id, via: 'login' }, 'TOTP enrolled during sign-in');
      await auditSignIn(ctx, { type: 'totp_enrolled', user, factor: TOTP_FACTOR, details: { via: 'login' } });
      // Abandoning the offer loses nothing: the next sign-in simply asks for a code.
      const fresh = await startOffer(ctx);
      if (!fresh) return { kind: 'success', user };
      scratch.backupCodeOffer = fresh;
      scratch.offerFor = ctx.deps.secrets.digest(OFFER_PURPOSE, sealed);
      return { kind: 'page', page: await showOffer(ctx, fresh) };
    }

    switch (await checkActiveCode(ctx.deps, ctx.tenant.id, user.id, code, params, ctx)) {
      case 'accepted': return { kind: 'success', user };
      case 'not_enrolled': return { kind: 'failure', error: { code: 'not_enrolled', message: 'Two-step verification is no longer set up for this account. Continue to set it up again.' } };
      case 'replayed': return { kind: 'failure', error: { code: 'code_replayed', message: TOTP_FAILURE } };
      case 'invalid': return { kind: 'failure', error: { code: 'invalid_code', message: TOTP_FAILURE } };
    }
  },
} satisfies Authenticator;
