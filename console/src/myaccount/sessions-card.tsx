// The "Where you're signed in" card: the browsers signed in to this account at the identity
// server, and signing out the others (a lost phone, a shared computer). Ending one also
// signs out the applications used through it. This page's own session gets no button: the
// page's Sign out ends it, and ending it here would leave the page without a token.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useLoad } from '../api/use-load';
import { FormAlert } from '../components/fields';
import { Loading, LoadError } from '../components/page';
import { useToast } from '../components/toast';
import { plural } from '../features/shared/format';
import { describeDevice } from '../features/shared/device';
import { endOtherSessions, endSession, getSessions, type SignInSession } from './api';
import { isSessionGone, plainProblem } from './problems';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An epoch-milliseconds string in the reader's locale and time zone. */
function shownTime(millis: string): { iso: string; text: string } | undefined {
  const date = new Date(Number(millis));
  return Number.isNaN(date.getTime()) ? undefined : { iso: date.toISOString(), text: dateTime.format(date) };
}

export function SessionsCard() {
  const loaded = useLoad((signal) => getSessions(signal), []);
  const toast = useToast();
  const heading = useRef<HTMLHeadingElement>(null);
  const allButton = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();

  /** The list again, from the server; focus on the heading, since the button that had it is gone. */
  const settle = (message: string) => {
    setBusy(false);
    setConfirming(false);
    toast.show(message);
    loaded.reload();
    window.requestAnimationFrame(() => heading.current?.focus());
  };

  /** A refusal stays on the card; a 401 never gets here as a message: the app shows "Your session has ended". */
  const failed = (err: unknown) => {
    setProblem(plainProblem(err));
    setBusy(false);
  };

  const end = async (session: SignInSession, device: string) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await endSession(session.id);
      settle(`${device} is signed out.`);
    } catch (err) {
      if (isSessionGone(err)) settle(`${device} was already signed out.`);
      else failed(err);
    }
  };

  const endOthers = async (what: string) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await endOtherSessions();
      settle(`Signed out of ${what}.`);
    } catch (err) {
      failed(err);
    }
  };

  const sessions = loaded.data?.sessions;
  const others = sessions?.filter((s) => !s.current).length ?? 0;
  // Applications that kept tokens after their browser session ended (a mail client on a
  // laptop whose browser idled out): no device to list, but "every other device" ends them.
  const outside = loaded.data?.applicationsOutsideSessions ?? [];
  // The server keeps this page's own token whether or not its browser session is still live.
  const canEndOthers = others > 0 || outside.length > 0;
  return (
    <section className="card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading" ref={heading} tabIndex={-1}>Where you're signed in</h2>
      <p className="muted">Signing out a device also signs it out of the applications you used there.</p>
      {loaded.error ? <LoadError message={loaded.error} onRetry={loaded.reload} />
        : !sessions ? <Loading what="where you're signed in" />
        : (
          <ul className="sessions">
            {sessions.map((s) => <SessionItem key={s.id} session={s} busy={busy} onEnd={(device) => void end(s, device)} />)}
          </ul>
        )}
      {outside.length ? (
        <p className="status">Still signed in without a browser session (the sign-in ended, the application kept access): {outside.map((a) => a.appName).join(', ')}.</p>
      ) : sessions && sessions.length === 1 && sessions[0]?.current ? <p className="status">You are signed in on this device only.</p> : null}
      <FormAlert message={problem} />
      {!canEndOthers ? null : confirming ? (
        <ConfirmOthers what={othersText(others, outside.length)} busy={busy} onConfirm={() => void endOthers(othersText(others, outside.length))}
          onCancel={() => { setConfirming(false); window.requestAnimationFrame(() => allButton.current?.focus()); }} />
      ) : (
        <div className="form-actions">
          <button ref={allButton} type="button" className="button" disabled={busy}
            onClick={() => { setProblem(undefined); setConfirming(true); }}>Sign out all other devices</button>
        </div>
      )}
    </section>
  );
}

function SessionItem({ session, busy, onEnd }: { session: SignInSession; busy: boolean; onEnd(device: string): void }) {
  const device = describeDevice(session.userAgent);
  const signedIn = shownTime(session.loginTime);
  const active = shownTime(session.lastAccessTime);
  const apps = session.applications.map((a) => a.appName).join(', ');
  return (
    <li>
      <div className="session-about">
        <h3>{device}{session.current ? <> <span className="badge">This device</span></> : null}</h3>
        <dl className="session-facts">
          {session.ip ? <Fact label="IP address">{session.ip}</Fact> : null}
          {signedIn ? <Fact label="Signed in"><time dateTime={signedIn.iso}>{signedIn.text}</time></Fact> : null}
          {active ? <Fact label="Last active"><time dateTime={active.iso}>{active.text}</time></Fact> : null}
          {apps ? <Fact label="Signed in to">{apps}</Fact> : null}
        </dl>
      </div>
      {session.current ? null : (
        // Every row's button reads "Sign out": its name says which device, for lists of buttons and voice control.
        <button type="button" className="button button-small" disabled={busy} onClick={() => onEnd(device)}
          aria-label={`Sign out ${device}${signedIn ? `, signed in ${signedIn.text}` : ''}`}>Sign out</button>
      )}
    </li>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return <div><dt>{label}:</dt> <dd>{children}</dd></div>;
}

/** "2 other devices", "1 application", "1 other device and 2 applications". */
function othersText(devices: number, applications: number): string {
  const parts = [devices ? plural(devices, 'other device') : '', applications ? plural(applications, 'application') : ''].filter(Boolean);
  return parts.join(' and ');
}

function ConfirmOthers({ what, busy, onConfirm, onCancel }: { what: string; busy: boolean; onConfirm(): void; onCancel(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // It replaces the button that had focus: screen readers start from its heading.
  useEffect(() => heading.current?.focus(), []);
  return (
    <div className="card-step">
      <h3 ref={heading} tabIndex={-1}>Sign out all other devices?</h3>
      <p>This signs out {what}, and the applications used there. You stay signed in on this one.</p>
      <div className="form-actions">
        <button type="button" className="button button-danger" disabled={busy} onClick={onConfirm}>Sign out other devices</button>
        <button type="button" className="button" disabled={busy} onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
