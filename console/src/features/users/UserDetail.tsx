// One user: profile with Disable / Enable, a new password, two-factor state (TOTP status, lock, backup codes
// left) with Reset TOTP, Unlock and Sign out everywhere, the user's sessions with End session, and the user's
// recent audit events. Every action asks first, says what it did in a toast, and reloads the state it changed.
import { useState, type ReactNode } from 'react';
import { Page, EmptyState, Loading, LoadError } from '../../components/page';
import { useConfirm } from '../../components/confirm';
import { useToast } from '../../components/toast';
import { useLoad } from '../../api/use-load';
import { messageOf } from '../../api/client';
import { useSession } from '../../auth/session-store';
import { Link, navigate } from '../../router';
import { Time, plural } from '../shared/format';
import { AuditEventTable } from '../audit/AuditEventTable';
import { queryAudit } from '../audit/api';
import { displayName, getTotpState, getUser, isAdmin, isDisabled, primaryEmail, resetTotp, setUserActive, signOutEverywhere, unlockUser, type ScimUser, type TotpState } from './api';
import { useDeleteUser } from './use-delete-user';
import { PasswordForm } from './PasswordForm';
import { UserSessions } from './UserSessions';

const RECENT_EVENTS = 10;

const STATUS: Record<TotpState['status'], { label: string; badge: string; sentence: string }> = {
  none: { label: 'None', badge: '', sentence: 'No authenticator app is set up. The user sets one up at the next sign-in that asks for a TOTP code (when enrollment during sign-in is on).' },
  pending: { label: 'Pending', badge: 'badge-warn', sentence: 'Set-up started: the user scanned the QR code but has not confirmed it with a first code yet.' },
  active: { label: 'Active', badge: 'badge-ok', sentence: 'The user signs in with codes from their authenticator app.' },
};

export function UserDetail({ id }: { id: string }) {
  const user = useLoad((signal) => getUser(id, signal), [id]);
  if (user.error) {
    return (
      <Page title="User" eyebrow="Users">
        {/not found/i.test(user.error) ? (
          <EmptyState title="This user does not exist">
            <p>The account may have been deleted. <Link to="/users">Back to Users</Link></p>
          </EmptyState>
        ) : <LoadError message={user.error} onRetry={user.reload} />}
      </Page>
    );
  }
  if (!user.data) return <Page title="User" eyebrow="Users"><Loading what="the user" /></Page>;
  return <Loaded user={user.data} onUserChanged={user.reload} />;
}

function Loaded({ user, onUserChanged }: { user: ScimUser; onUserChanged(): void }) {
  const { session } = useSession();
  const self = session?.username === user.userName;
  const remove = useDeleteUser();
  const [version, setVersion] = useState(0);
  const totp = useLoad((signal) => getTotpState(user.id, signal), [user.id, version]);
  const events = useLoad((signal) => queryAudit({ userId: user.id, limit: RECENT_EVENTS }, signal), [user.id, version]);
  const changed = () => setVersion((v) => v + 1);

  const onDelete = async () => {
    if (await remove(user)) await navigate('/users', { force: true });
  };

  return (
    <Page
      title={user.userName}
      eyebrow="User"
      actions={self ? <span className="badge badge-info">You</span> : (
        <>
          <ActiveToggle user={user} onChanged={() => { onUserChanged(); changed(); }} />
          <button type="button" className="button button-danger-quiet" onClick={() => void onDelete()}>Delete user</button>
        </>
      )}
    >
      <p><Link to="/users">← Users</Link></p>
      <section className="panel" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl className="facts">
          <dt>Name</dt><dd>{displayName(user) ?? <span className="muted">No name</span>}</dd>
          <dt>Email</dt><dd>{primaryEmail(user) ?? <span className="muted">No email</span>}</dd>
          <dt>Role</dt><dd>{isAdmin(user) ? 'Administrator' : 'User'}</dd>
          <dt>Account</dt>
          <dd>{isDisabled(user) ? <><span className="badge badge-danger">Disabled</span> The user cannot sign in until the account is enabled.</> : 'Active'}</dd>
          <dt>Created</dt><dd><Time iso={user.meta.created} /></dd>
          <dt>User ID</dt><dd className="mono">{user.id}</dd>
        </dl>
      </section>

      <section className="panel" aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        <PasswordForm user={user} self={self} onChanged={changed} />
      </section>

      <section className="panel" aria-labelledby="totp-heading">
        <h2 id="totp-heading">Two-factor sign-in</h2>
        {totp.error ? <LoadError message={totp.error} onRetry={totp.reload} /> : null}
        {!totp.data && totp.loading ? <Loading what="the two-factor state" /> : null}
        {totp.data ? <TotpFacts state={totp.data} /> : null}
        <Actions user={user} self={self} onChanged={changed} />
      </section>

      <section className="panel" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Sessions</h2>
        <UserSessions user={user} self={self} version={version} onChanged={changed} />
      </section>

      <section className="panel" aria-labelledby="events-heading">
        <h2 id="events-heading">Recent activity</h2>
        {events.error ? <LoadError message={events.error} onRetry={events.reload} /> : null}
        {!events.data && events.loading ? <Loading what="recent events" /> : null}
        {events.data ? (
          events.data.events.length ? (
            <AuditEventTable events={events.data.events} caption={`Recent events of ${user.userName}`} showUser={false} />
          ) : <p className="empty-inline">No events recorded for this user yet.</p>
        ) : null}
        <p><Link to={`/audit-log?${new URLSearchParams({ userId: user.id, name: user.userName }).toString()}`}>All events of {user.userName} in the audit log</Link></p>
      </section>
    </Page>
  );
}

/** Disable or enable the account (SCIM active), asking first. Not offered on your own account. */
function ActiveToggle({ user, onChanged }: { user: ScimUser; onChanged(): void }) {
  const confirm = useConfirm();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const disabled = isDisabled(user);
  const name = `"${user.userName}"`;
  const label = disabled ? 'Enable account' : 'Disable account';
  const toggle = async () => {
    const ok = await confirm(disabled
      ? { title: `Enable ${name}?`, message: <p>The user can sign in again with their password and second factor.</p>, confirmLabel: label }
      : { title: `Disable ${name}?`, message: <p>The user cannot sign in until the account is enabled again, and every session and token of the user ends now. Nothing else changes: password, TOTP and roles stay.</p>, confirmLabel: label, danger: true });
    if (!ok) return;
    setBusy(true);
    try {
      await setUserActive(user.id, disabled);
      toast.show(disabled ? `${name} enabled.` : `${name} disabled; their sessions and tokens ended.`);
      onChanged();
    } catch (err) {
      toast.show(`${label} did not complete: ${messageOf(err)}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return <button type="button" className={disabled ? 'button' : 'button button-danger-quiet'} disabled={busy} onClick={() => void toggle()}>{label}</button>;
}

function TotpFacts({ state }: { state: TotpState }) {
  const status = STATUS[state.status];
  return (
    <>
      <dl className="facts">
        <dt>TOTP status</dt>
        <dd>
          <span className={`badge ${status.badge}`}>{status.label}</span>
          {state.locked ? <span className="badge badge-danger">Locked</span> : null}
        </dd>
        {state.locked ? (
          <>
            <dt>Locked</dt>
            <dd>{state.lockedUntil ? <>Until <Time iso={state.lockedUntil} /> (too many wrong codes)</> : 'Until an administrator unlocks the user (too many wrong codes)'}</dd>
          </>
        ) : null}
        {state.enrolledAt ? <><dt>{state.status === 'active' ? 'Enrolled' : 'Started'}</dt><dd><Time iso={state.enrolledAt} /></dd></> : null}
        {state.algorithm ? <><dt>Codes</dt><dd>{state.digits} digits, every {state.period} seconds, {state.algorithm}</dd></> : null}
        <dt>Backup codes left</dt>
        <dd>{state.backupCodesRemaining === 0 ? 'None' : state.backupCodesRemaining}</dd>
      </dl>
      <p className="hint">{status.sentence}{state.pendingReplacement && state.status === 'active' ? ' A replacement app is waiting for its first code.' : ''}</p>
    </>
  );
}

interface Action {
  label: string;
  hint: string;
  title: string;
  message: ReactNode;
  run(): Promise<string>;
}

function Actions({ user, self, onChanged }: { user: ScimUser; self: boolean; onChanged(): void }) {
  const confirm = useConfirm();
  const toast = useToast();
  const [busy, setBusy] = useState<string | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  const name = `"${user.userName}"`;
  const ended = (n: number) => `${plural(n, 'session or token', 'sessions and tokens')} ended.`;
  const yourSession = self ? <p><strong>This is your own account:</strong> your console session ends too, and you sign in again.</p> : null;

  const actions: Action[] = [
    {
      label: 'Reset TOTP',
      hint: 'For a lost or replaced phone: forgets the authenticator app, so the user sets up a new one at the next sign-in.',
      title: `Reset TOTP for ${name}?`,
      message: <><p>The user's authenticator app stops working here and the TOTP lock is cleared. At the next sign-in they scan a new QR code. Every session and token of the user ends.</p>{yourSession}</>,
      run: async () => {
        const r = await resetTotp(user.id);
        return `${r.removed ? `TOTP reset for ${name}.` : `${name} had no TOTP to reset.`} ${ended(r.revoked)}`;
      },
    },
    {
      label: 'Unlock',
      hint: 'After too many wrong passwords or codes: clears the failed attempts of every factor, so the user can sign in at once.',
      title: `Unlock ${name}?`,
      message: <><p>The failed attempts of the password and of every second factor are cleared. Whoever caused the lock may hold a session, so every session and token of the user ends too.</p>{yourSession}</>,
      run: async () => {
        const r = await unlockUser(user.id);
        return `${r.wasLocked.length ? `${name} unlocked (${r.wasLocked.join(', ')}).` : `${name} was not locked; failed attempts cleared.`} ${ended(r.revoked)}`;
      },
    },
    {
      label: 'Sign out everywhere',
      hint: 'Ends every session and token of the user, in every application: they sign in again everywhere.',
      title: `Sign ${name} out everywhere?`,
      message: <><p>Every session, refresh token and access token of the user ends, in every application. Their password and TOTP stay as they are.</p>{yourSession}</>,
      run: async () => `${name} signed out everywhere. ${ended((await signOutEverywhere(user.id)).revoked)}`,
    },
  ];

  const act = async (action: Action) => {
    if (!(await confirm({ title: action.title, message: action.message, confirmLabel: action.label, danger: true }))) return;
    setBusy(action.label);
    setFailed(undefined);
    try {
      toast.show(await action.run());
      onChanged();
    } catch (err) {
      setFailed(`${action.label} did not complete: ${messageOf(err)}`);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <ul className="user-actions">
        {actions.map((a) => {
          const hintId = `action-${a.label.replace(/\W+/g, '-').toLowerCase()}-hint`;
          return (
            <li key={a.label}>
              <button type="button" className="button button-danger-quiet" aria-describedby={hintId} disabled={busy !== undefined} onClick={() => void act(a)}>
                {a.label}
              </button>
              <p id={hintId} className="hint">{a.hint}</p>
            </li>
          );
        })}
      </ul>
      {failed ? <div className="form-alert" role="alert">{failed}</div> : null}
    </>
  );
}
