// The plugin contract. An authenticator shows a page and judges what comes back; the flow
// engine decides everything else (order, lockouts, which step is current, the subject).
import type { Deps } from '../deps.js';
import type { Tenant } from '../tenants/tenant.js';
import type { Application } from '../applications/application.js';
import type { User } from '../users/user.js';
import type { Config } from '../config/schema.js';

export interface Page {
  title: string;
  /** The page's heading; defaults to "{title} to {application}". */
  heading?: string;
  /** A status line above the form ("We sent a code to …"). */
  notice?: string;
  /** An error line above the form, when the step itself has one (not a counted failure). */
  error?: string;
  /** Inner HTML of the step's form (already escaped); the engine wraps it in the layout. */
  html: string;
}

export interface StepContext {
  deps: Deps;
  tenant: Tenant;
  application: Application;
  /** The user identified by an earlier step or by the session, if any. */
  user?: User;
  /** The client's address (for per-IP limits), as Fastify resolves it under [server] trust_proxy. */
  clientIp?: string;
  /** Epoch seconds when this sign-in expires (nothing issued in it can outlive it). */
  loginExpiresAt?: number;
  /** The browser's User-Agent header, for the audit log. */
  userAgent?: string;
  /** Message to show from the previous attempt (already a sentence for people). */
  error?: string;
  /** Values to put back into the form after a failed attempt (never secrets). */
  values?: Record<string, string>;
  /**
   * This authenticator's own state for this login (e.g. a secret being enrolled), kept
   * with the login until it ends. It is stored in the database with the interaction:
   * seal anything secret with deps.secrets.
   */
  scratch: Record<string, unknown>;
}

export type FormInput = Record<string, string | undefined>;

export interface FlowError {
  code: string;
  message: string;
}

export type StepOutcome =
  | { kind: 'page'; page: Page }
  /** `method` names an entry of Authenticator.methods when the step was passed another way. */
  | { kind: 'success'; user: User; method?: string }
  | { kind: 'failure'; error: FlowError; values?: Record<string, string> }
  | { kind: 'skip' }
  /** The user cannot pass this step at all; the sign-in ends with this explanation. */
  | { kind: 'stop'; title: string; message: string };

export interface Authenticator {
  /** Canonical name, stored and returned by the API: 'BasicAuthenticator', 'totp', … */
  name: string;
  /** Also accepted on input: 'basic'. */
  aliases?: string[];
  displayName: string;
  /** What the step chooser's button says, e.g. "Use your authenticator app" (default: displayName). */
  chooserLabel?: string;
  /** RFC 8176 values this authenticator proves. */
  amr: string[];
  /**
   * The kind of factor it is when RFC 8176 has no amr value for it (backup codes:
   * 'lookup-secret'), so it still counts as a distinct factor toward "mfa".
   */
  mfaClass?: string;
  /** Other ways to pass the step and what each proves instead (e.g. TOTP's emailed code). */
  methods?: Record<string, { amr: string[] }>;
  /** A previous step must have identified the user (cannot be in step 1). */
  needsKnownUser: boolean;
  /** Shown while the user's lock for this factor holds; must not reveal the lock to guessers. */
  lockedMessage: string;
  /** Server-wide switch; a disabled authenticator ends sign-ins that need it with an error page. */
  enabled?(config: Config): boolean;
  /** Whether failures count toward the lockout for this tenant (default: always). */
  regulated?(ctx: StepContext): Promise<boolean>;
  /**
   * Whether this post tries a secret, so the engine counts it toward the lockout before
   * `handle` judges it (default: every post does). False for posts that guess nothing: an
   * empty form, a request to email a code, an answer to an offer.
   */
  guesses?(ctx: StepContext, input: FormInput): boolean;
  /** Show the step's page (or skip it). */
  start(ctx: StepContext): Promise<StepOutcome>;
  /**
   * For authenticators that identify the user from the form (e.g. a username), so the
   * engine can check the lockout before `handle` runs. Must not verify anything.
   */
  identify?(ctx: StepContext, input: FormInput): Promise<User | undefined>;
  /** Judge what the page posted back. */
  handle(ctx: StepContext, input: FormInput): Promise<StepOutcome>;
}
