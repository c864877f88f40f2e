// The "Authenticator app" card: two-step verification with a TOTP app. Setting one up, or
// moving it to a new phone, makes a pending secret (a QR code and a key) that becomes the
// active one only once a code of it is verified, so a half-done change never locks the
// user out. Changing or removing the active app asks for one of its codes first.
import { useEffect, useRef, useState } from 'react';
import { FormAlert } from '../components/fields';
import { useToast } from '../components/toast';
import { Time } from '../features/shared/format';
import { CodeForm } from './code-form';
import { cancelTotpSetup, removeTotp, startTotpSetup, validateTotp, type TotpState } from './api';
import { isLocked, plainProblem } from './problems';

/** What the user needs to add a pending secret to an app. */
interface ShownSecret { qrCode: string; secret: string; digits: number }

type Step =
  | { kind: 'idle' }
  | { kind: 'setup'; secret: ShownSecret; replacing: boolean }
  | { kind: 'prove'; action: 'replace' | 'remove' };

const IDLE: Step = { kind: 'idle' };
const CURRENT_CODE = 'Code from your current authenticator app';

/** The key in groups of four, as authenticator apps ask for it when typed by hand. */
const grouped = (secret: string): string => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

/** The pending secret the server showed with the state (a setup started before a reload). */
function shownIn(state: TotpState): ShownSecret | undefined {
  return state.qrCode && state.secret ? { qrCode: state.qrCode, secret: state.secret, digits: state.digits ?? 6 } : undefined;
}

export function AuthenticatorCard({ state, reload, onRemoved }: { state: TotpState; reload(): void; onRemoved(): void }) {
  const toast = useToast();
  const heading = useRef<HTMLHeadingElement>(null);
  const [step, setStep] = useState<Step>(IDLE);
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const pendingFromServer = state.status === 'pending' ? shownIn(state) : undefined;
  const setup = step.kind === 'setup' ? step : pendingFromServer ? { secret: pendingFromServer, replacing: false } : undefined;

  /** Back to the card's overview, with focus on its heading (the control that had it is gone). */
  const settle = (next: Step = IDLE) => {
    setStep(next);
    reload();
    if (next.kind === 'idle') window.requestAnimationFrame(() => heading.current?.focus());
  };

  /** A code was refused; a lock also changes what the card offers. */
  const refused = (err: unknown): string => {
    if (isLocked(err)) settle();
    return plainProblem(err);
  };

  const begin = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      setStep({ kind: 'setup', secret: await startTotpSetup(), replacing: false });
    } catch (err) {
      setProblem(plainProblem(err));
      reload();
    } finally {
      setBusy(false);
    }
  };

  const verify = async (code: string, replacing: boolean) => {
    try {
      const { isValid } = await validateTotp(code);
      if (!isValid) return 'That code is not correct. Check that it is the code the app shows for this account, and type the newest one.';
    } catch (err) {
      return refused(err);
    }
    toast.show(replacing ? 'Your new phone is set up. Codes from the old one no longer work.' : 'Your authenticator app is set up.');
    settle();
    return undefined;
  };

  const cancelSetup = async () => {
    setProblem(undefined);
    try {
      await cancelTotpSetup();
      settle();
    } catch (err) {
      setProblem(plainProblem(err));
    }
  };

  const prove = async (action: 'replace' | 'remove', code: string) => {
    try {
      if (action === 'replace') {
        setStep({ kind: 'setup', secret: await startTotpSetup(code), replacing: true });
      } else {
        await removeTotp(code);
        onRemoved();
      }
      return undefined;
    } catch (err) {
      return refused(err);
    }
  };

  return (
    <section className="card" aria-labelledby="totp-heading">
      <h2 id="totp-heading" ref={heading} tabIndex={-1}>Authenticator app</h2>
      <p className="muted">
        Two-step verification: after your password, applications that ask for it want a code from an app on your phone.
        Someone who learns your password still cannot sign in as you.
      </p>
      <Status state={state} />
      {state.locked ? <Locked lockedUntil={state.lockedUntil} /> : null}
      <FormAlert message={problem} />
      {state.locked ? null : setup ? (
        <Setup key={setup.secret.secret} {...setup} onCode={(code) => verify(code, setup.replacing)} onCancel={() => void cancelSetup()} />
      ) : step.kind === 'prove' ? (
        <div className="card-step">
          <h3>{step.action === 'replace' ? 'Set up on a new phone' : 'Remove the authenticator app'}</h3>
          {step.action === 'replace'
            ? <p>First, type a code from the app you use now. Then you scan a new QR code with the new phone. Your current app keeps working until the new one is verified.</p>
            : <p>Removing it signs you out everywhere, on every device and in every application, this page included. Applications that ask for a second step will then ask you to set up an app again.</p>}
          <CodeForm label={CURRENT_CODE} submitLabel={step.action === 'replace' ? 'Continue' : 'Remove authenticator app'} danger={step.action === 'remove'}
            digits={state.digits ?? 6} autoFocus onCode={(code) => prove(step.action, code)} onCancel={() => settle()} />
        </div>
      ) : state.status === 'active' ? (
        <div className="form-actions">
          <button type="button" className="button" onClick={() => { setProblem(undefined); setStep({ kind: 'prove', action: 'replace' }); }}>Set up on a new phone</button>
          <button type="button" className="button button-danger-quiet" onClick={() => { setProblem(undefined); setStep({ kind: 'prove', action: 'remove' }); }}>Remove</button>
        </div>
      ) : (
        <div className="form-actions">
          <button type="button" className="button button-primary" disabled={busy} onClick={() => void begin()}>Set up authenticator app</button>
        </div>
      )}
    </section>
  );
}

function Status({ state }: { state: TotpState }) {
  if (state.status === 'active') {
    return (
      <p className="status">
        <span className="state state-on">On</span>
        Your authenticator app is set up{state.enrolledAt ? <> (since <Time iso={state.enrolledAt} />)</> : null}.
        {state.pendingReplacement ? ' A move to a new phone was started and not finished: start it again to see a new QR code.' : null}
      </p>
    );
  }
  return (
    <p className="status">
      <span className="state">Off</span>
      {state.status === 'pending' ? 'A setup was started and is not finished yet.' : 'No authenticator app is set up.'}
    </p>
  );
}

function Locked({ lockedUntil }: { lockedUntil: string | null }) {
  return (
    <div className="notice notice-warning">
      <p>
        Too many incorrect codes were typed, so codes from your authenticator app are refused
        {lockedUntil ? <> until <Time iso={lockedUntil} /></> : ' until an administrator unlocks your account'}.
      </p>
      <p>An administrator of your organization can unlock it sooner.</p>
    </div>
  );
}

function Setup({ secret, replacing, onCode, onCancel }: { secret: ShownSecret; replacing: boolean; onCode(code: string): Promise<string | undefined>; onCancel(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // It appears after a click: screen readers start from its heading, not from a removed button.
  useEffect(() => heading.current?.focus(), []);
  return (
    <div className="card-step">
      <h3 ref={heading} tabIndex={-1}>{replacing ? 'Set up your new phone' : 'Set up your authenticator app'}</h3>
      <ol className="setup-steps">
        <li>Open an authenticator app on your phone: Google Authenticator, Microsoft Authenticator or any other authenticator app. Choose to add an account.</li>
        <li>
          Scan this QR code with the app.
          <img className="qr" src={secret.qrCode} alt="QR code to scan with your authenticator app" width={200} height={200} />
          If you cannot scan it, choose to enter a setup key, and type this key (time-based):
          <span className="secret-line"><span className="sr-only">Setup key: </span><code className="secret">{grouped(secret.secret)}</code></span>
        </li>
        <li>Type the {secret.digits}-digit code the app now shows for this account.</li>
      </ol>
      {replacing ? <p>Your current app keeps working until this one is verified.</p> : null}
      <CodeForm label="Verification code" submitLabel="Verify" digits={secret.digits} onCode={onCode} onCancel={onCancel} />
    </div>
  );
}
