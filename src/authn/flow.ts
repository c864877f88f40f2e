// The flow engine: runs an application's authentication sequence for one login. It knows
// nothing about OIDC: it gets the tenant, the application, what the session already
// proved and the form input, and answers "show this page" or "done: this user, this amr".
import type { Deps } from '../deps.js';
import type { Tenant } from '../tenants/tenant.js';
import { effectiveSequence, type Application } from '../applications/application.js';
import type { User } from '../users/user.js';
import { getUser } from '../users/user.service.js';
import { epochSeconds } from '../clock.js';
import type { Authenticator, FormInput, Page, StepContext, StepOutcome } from './authenticator.js';
import { findAuthenticator } from './registry.js';
import { nextStep, amrFor, acrFor } from './sequence-policy.js';
import { attemptFailed, lockState, recordSuccess, releaseAttempt, reserveAttempt, type Attempt } from './regulation.js';
import { auditSignIn, auditSignIns, stepWhere, type SignInEvent } from '../audit/sign-in-audit.js';
import { availableOptions, chooserPage } from './chooser.js';

/** Serialisable state of one login, kept in the provider's interaction. */
export interface FlowState {
  csrf: string;
  userId?: string;
  /** Authenticators proven earlier in this browser session (reused, not re-run). */
  fromSession: Record<string, number>;
  /** Authenticators completed in this login. */
  completed: Record<string, number>;
  /** Authenticators that chose to skip themselves (e.g. optional TOTP, not enrolled). */
  skipped: string[];
  /** Each authenticator's own state for this login (StepContext.scratch), by name. */
  scratch?: Record<string, Record<string, unknown>>;
  /** The option the user chose, by step id, for steps with several options. */
  chosen?: Record<string, string>;
}

export type FlowResult =
  /** `multiOption`: the step has other options, so the page offers to choose again. */
  | { kind: 'page'; stepId: number; authenticator: string; page: Page; error?: string; multiOption?: boolean }
  /**
   * `events`: audit events of this request not yet written, for the caller to write with
   * the sign-in's own (one statement); `username` when this request loaded the user.
   */
  | { kind: 'done'; userId: string; username?: string; amr: string[]; acr: string; authTime: number; factors: Record<string, number>; events: SignInEvent[] }
  | { kind: 'error'; title: string; message: string };

export interface FlowInput {
  deps: Deps;
  tenant: Tenant;
  application: Application;
  state: FlowState;
  clientIp?: string;
  loginExpiresAt?: number;
  /** The browser's User-Agent header (audit log). */
  userAgent?: string;
  /** The HTTP request's id, so the flow's log lines join the request's own. */
  requestId?: string;
  /** Told when a step failed, so the attempt stays counted against the client's address (the per-IP limit). */
  onFailedAttempt?: () => void;
}

/** What ties a log line to its request and address: a guesser is traced by the ip. */
const requestOf = (flow: FlowInput) => ({ ...(flow.requestId ? { reqId: flow.requestId } : {}), ...(flow.clientIp ? { ip: flow.clientIp } : {}) });

// Factor keys may be `name/method` (see sequence-policy): nextStep compares by name.
function done(state: FlowState): Set<string> {
  return new Set([...Object.keys(state.fromSession), ...Object.keys(state.completed), ...state.skipped]);
}

// One request asks for the user several times (the step, then the next one): load it once.
const loadedUsers = new WeakMap<FlowInput, User>();

const DISABLED: FlowResult = { kind: 'error', title: 'This account is disabled', message: 'An administrator has disabled this account, so it cannot sign in. Ask your administrator if you think this is a mistake.' };

async function knownUser(flow: FlowInput): Promise<User | undefined> {
  const id = flow.state.userId;
  if (!id) return undefined;
  const cached = loadedUsers.get(flow);
  if (cached?.id === id) return cached;
  const user = await getUser(flow.deps, flow.tenant.id, id).catch(() => undefined);
  if (user) loadedUsers.set(flow, user);
  return user;
}

type Current =
  | { stepId: number; authenticator: Authenticator; multiOption: boolean }
  | { stepId: number; choose: Authenticator[] }
  | { error: FlowResult }
  | undefined;

const unavailable = (message: string): { error: FlowResult } => ({ error: { kind: 'error', title: 'Sign-in is not available', message } });

function current(flow: FlowInput): Current {
  const step = nextStep(effectiveSequence(flow.application), done(flow.state));
  if (!step) return undefined;
  for (const { authenticator: name } of step.options) {
    if (!findAuthenticator(name)) return unavailable(`This application asks for the sign-in method "${name}", which this server does not offer. Ask the administrator to fix the application's authentication steps.`);
  }
  const options = availableOptions(step, flow.deps.config);
  if (options.length === 0) {
    const names = step.options.map((o) => findAuthenticator(o.authenticator)!.displayName).join('" or "');
    return unavailable(`This application requires the sign-in method "${names}", which is turned off on this server. Ask the administrator to turn it on or to change the application's authentication steps.`);
  }
  if (options.length === 1) return { stepId: step.id, authenticator: options[0]!, multiOption: false };
  const chosen = options.find((a) => a.name === flow.state.chosen?.[String(step.id)]);
  return chosen ? { stepId: step.id, authenticator: chosen, multiOption: true } : { stepId: step.id, choose: options };
}

function context(flow: FlowInput, authenticator: Authenticator, user: User | undefined, error?: string, values?: Record<string, string>): StepContext {
  flow.state.scratch ??= {};
  const scratch = (flow.state.scratch[authenticator.name] ??= {});
  return { deps: flow.deps, tenant: flow.tenant, application: flow.application, user, error, values, scratch, clientIp: flow.clientIp, userAgent: flow.userAgent, loginExpiresAt: flow.loginExpiresAt };
}

async function regulated(authenticator: Authenticator, ctx: StepContext): Promise<boolean> {
  return authenticator.regulated ? authenticator.regulated(ctx) : true;
}

// A step's success is written with whatever the request writes next: with the sign-in's
// completion when it was the last step (see settle).
const pendingEvents = new WeakMap<FlowInput, SignInEvent[]>();

function queueEvent(flow: FlowInput, event: SignInEvent): void {
  const events = pendingEvents.get(flow);
  if (events) events.push(event);
  else pendingEvents.set(flow, [event]);
}

/** Hands a completed sign-in's pending events to the caller; writes them for any other result. */
async function settle(flow: FlowInput, result: FlowResult): Promise<FlowResult> {
  const events = pendingEvents.get(flow) ?? [];
  pendingEvents.delete(flow);
  if (result.kind === 'done') return { ...result, events: [...result.events, ...events] };
  if (events.length) await auditSignIns(flow, events);
  return result;
}

/** Runs steps until one needs the user, or the sequence is complete. */
export async function advance(flow: FlowInput, error?: string, values?: Record<string, string>): Promise<FlowResult> {
  return settle(flow, await run(flow, error, values));
}

async function run(flow: FlowInput, error?: string, values?: Record<string, string>): Promise<FlowResult> {
  for (;;) {
    const step = current(flow);
    if (!step) return finish(flow);
    if ('error' in step) return step.error;
    if ('choose' in step) return { kind: 'page', stepId: step.stepId, authenticator: '', page: chooserPage(step.choose), error, multiOption: false };
    const user = await knownUser(flow);
    if (step.authenticator.needsKnownUser && !user) {
      return { kind: 'error', title: 'Sign-in is not available', message: 'This application\'s authentication steps are misconfigured: a step needs a user identified by an earlier step.' };
    }
    const ctx = context(flow, step.authenticator, user, error, values);
    // A step after the user is known may say its lock holds (the password step never does:
    // that would tell a guesser the username exists).
    if (!ctx.error && user && step.authenticator.needsKnownUser && await regulated(step.authenticator, ctx)
      && (await lockState(flow.deps, flow.tenant.id, user.id, step.authenticator.name)).locked) {
      ctx.error = step.authenticator.lockedMessage;
    }
    const outcome = await step.authenticator.start(ctx);
    const next = await apply(flow, step.stepId, step.authenticator, outcome, ctx);
    if (next) return next.kind === 'page' ? { ...next, multiOption: step.multiOption } : next;
  }
}

/** Handles a form post for step `stepId`; a post for any other step is refused. */
export async function submit(flow: FlowInput, stepId: number, input: FormInput): Promise<FlowResult> {
  return settle(flow, await handleSubmit(flow, stepId, input));
}

async function handleSubmit(flow: FlowInput, stepId: number, input: FormInput): Promise<FlowResult> {
  const step = current(flow);
  if (!step) return finish(flow);
  if ('error' in step) return step.error;
  if (step.stepId !== stepId) return advance(flow, 'This page was out of date. Please try again.');
  const key = String(stepId);
  if ('choose' in step) {
    const picked = step.choose.find((a) => a.name === input.choose);
    if (!picked) return advance(flow, 'Choose one of the options.');
    (flow.state.chosen ??= {})[key] = picked.name;
    return advance(flow);
  }
  if (step.multiOption && input.chooser !== undefined) {
    delete flow.state.chosen?.[key];
    return advance(flow);
  }
  const { deps, tenant } = flow;
  const authenticator = step.authenticator;
  let user = await knownUser(flow);
  if (authenticator.needsKnownUser && !user) return advance(flow);
  const base = context(flow, authenticator, user);
  user ??= await authenticator.identify?.(base, input);
  const ctx: StepContext = { ...base, user };

  const counts = user !== undefined && await regulated(authenticator, ctx);
  // A guess is counted before it is judged, in one statement: checking the lock, judging
  // and then counting would let every request of a concurrent burst past the check.
  // A post that guesses nothing (an empty form, "email me a code") only looks at the lock.
  let attempt: Attempt | undefined;
  let locked = false;
  if (counts && user) {
    if (authenticator.guesses?.(ctx, input) ?? true) {
      attempt = await reserveAttempt(deps, tenant.id, user.id, authenticator.name, stepWhere(flow));
      locked = !attempt.allowed;
    } else {
      locked = (await lockState(deps, tenant.id, user.id, authenticator.name)).locked;
    }
  }
  const refuseLocked = async (values?: Record<string, string>) => {
    flow.onFailedAttempt?.();
    deps.logger.warn({ event: 'login_refused_locked', ...requestOf(flow), tenantId: tenant.id, userId: user!.id, factor: authenticator.name }, 'attempt on a locked account');
    await auditSignIn(flow, { type: 'login_failed', user, step: stepId, factor: authenticator.name, details: { reason: 'account_locked' } });
    return advance(flow, authenticator.lockedMessage, values);
  };
  // After the user is known the lock is no secret, and judging the input could have side
  // effects (a spent time step, an enrolled secret): refuse without looking at it.
  if (locked && authenticator.needsKnownUser) return refuseLocked();
  const outcome = await authenticator.handle(ctx, input);
  // Judged anyway so a locked account answers in the same time as any other, then
  // refused whatever the result, and not counted again.
  if (locked) return refuseLocked(outcome.kind === 'failure' ? outcome.values : undefined);
  if (outcome.kind === 'failure') {
    flow.onFailedAttempt?.();
    if (attempt) await attemptFailed(deps, tenant.id, user!.id, authenticator.name, attempt, stepWhere(flow));
    deps.logger.info({ event: 'login_failed', ...requestOf(flow), tenantId: tenant.id, userId: user?.id, factor: authenticator.name, code: outcome.error.code }, 'authentication step failed');
    await auditSignIn(flow, { type: 'login_failed', user, step: stepId, factor: authenticator.name, details: { reason: outcome.error.code } });
    return advance(flow, outcome.error.message, outcome.values);
  }
  // Shown a page again (or stopped): the post was no wrong guess after all.
  if (attempt && outcome.kind !== 'success') await releaseAttempt(deps, tenant.id, user!.id, authenticator.name, attempt);
  const next = await apply(flow, stepId, authenticator, outcome, ctx);
  if (!next) return advance(flow);
  return next.kind === 'page' ? { ...next, multiOption: step.multiOption } : next;
}

/** Records a step's outcome; returns what to show, or undefined to go on to the next step. */
async function apply(flow: FlowInput, stepId: number, authenticator: Authenticator, outcome: StepOutcome, ctx: StepContext): Promise<FlowResult | undefined> {
  switch (outcome.kind) {
    case 'page':
      return { kind: 'page', stepId, authenticator: authenticator.name, page: outcome.page, error: ctx.error };
    case 'skip':
      flow.state.skipped.push(authenticator.name);
      return undefined;
    case 'stop':
      return { kind: 'error', title: outcome.title, message: outcome.message };
    case 'failure':
      return advance(flow, outcome.error.message, outcome.values);
    case 'success': {
      // Right: clears the failures on record, and the count this attempt reserved (also for
      // a disabled account, whose right password is no failure either).
      await recordSuccess(flow.deps, flow.tenant.id, outcome.user.id, authenticator.name);
      // Checked here, after the step, for every authenticator: a disabled account learns it
      // only from the right password (or code), so the page tells no guesser it exists.
      if (!outcome.user.active) {
        flow.deps.logger.info({ event: 'login_refused_disabled', ...requestOf(flow), tenantId: flow.tenant.id, userId: outcome.user.id, factor: authenticator.name }, 'sign-in of a disabled account');
        await auditSignIn(flow, { type: 'login_failed', user: outcome.user, step: stepId, factor: authenticator.name, details: { reason: 'account_disabled' } });
        return DISABLED;
      }
      if (flow.state.userId && outcome.user.id !== flow.state.userId) {
        return { kind: 'error', title: 'Sign-in failed', message: 'Every step of a sign-in must be completed by the same user. Start again.' };
      }
      flow.state.userId = outcome.user.id;
      loadedUsers.set(flow, outcome.user);
      delete flow.state.scratch?.[authenticator.name];
      const factor = outcome.method ? `${authenticator.name}/${outcome.method}` : authenticator.name;
      flow.state.completed[factor] = epochSeconds(flow.deps.clock);
      flow.deps.logger.info({ event: 'login_step_succeeded', ...requestOf(flow), tenantId: flow.tenant.id, userId: outcome.user.id, factor: authenticator.name }, 'authentication step succeeded');
      queueEvent(flow, { type: 'login_step_succeeded', user: outcome.user, step: stepId, factor });
      return undefined;
    }
  }
}

async function finish(flow: FlowInput): Promise<FlowResult> {
  const { state } = flow;
  if (!state.userId) return { kind: 'error', title: 'Sign-in failed', message: 'No step of this application\'s sign-in identifies the user.' };
  // Every step may have been satisfied by the session or skipped, so no step's success
  // looked at the account in this request: it is looked at here, once more.
  const account = await knownUser(flow);
  if (!account) return { kind: 'error', title: 'Sign-in failed', message: 'This account no longer exists.' };
  if (!account.active) return DISABLED;
  const factors = { ...state.fromSession, ...state.completed };
  const amr = amrFor(Object.keys(factors));
  const times = Object.values(state.completed);
  const authTime = times.length ? Math.max(...times) : Math.max(...Object.values(factors));
  return { kind: 'done', userId: state.userId, username: account.username, amr, acr: acrFor(amr), authTime, factors, events: [] };
}
