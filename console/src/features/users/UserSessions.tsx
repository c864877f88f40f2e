// The user's sessions on their page: each browser signed in to the account, with its device,
// address, times and applications, and "End session" for one (a lost laptop, a shared
// computer) beside "Sign out everywhere" for all. The same list the user sees in My Account.
import { useState } from 'react';
import { Loading, LoadError } from '../../components/page';
import { useConfirm } from '../../components/confirm';
import { useToast } from '../../components/toast';
import { useLoad } from '../../api/use-load';
import { ApiError, messageOf } from '../../api/client';
import { describeDevice } from '../shared/device';
import { Time } from '../shared/format';
import { endUserSession, getUserSessions, type ScimUser, type UserSession } from './api';

const isoOf = (millis: string) => {
  const date = new Date(Number(millis));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

export function UserSessions({ user, self, version, onChanged }: { user: ScimUser; self: boolean; version: number; onChanged(): void }) {
  const sessions = useLoad((signal) => getUserSessions(user.id, signal), [user.id, version]);
  const confirm = useConfirm();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | undefined>();
  const name = `"${user.userName}"`;

  const end = async (session: UserSession, device: string) => {
    const ok = await confirm({
      title: `End this session of ${name}?`,
      message: (
        <>
          <p>{device}{session.ip ? ` at ${session.ip}` : ''} must sign in again, and the applications signed in there lose their access (their tokens are revoked). Other sessions of the user stay.</p>
          {self ? <p><strong>This is your own account:</strong> if this is the browser you are using, your console session ends too.</p> : null}
        </>
      ),
      confirmLabel: 'End session',
      danger: true,
    });
    if (!ok) return;
    setBusy(true);
    setFailed(undefined);
    try {
      await endUserSession(user.id, session.id);
      toast.show(`${device} session of ${name} ended.`);
    } catch (err) {
      // Ended meanwhile (by the user, or it expired): the list below is the truth either way.
      if (!(err instanceof ApiError && err.code === 'session_not_found')) setFailed(`End session did not complete: ${messageOf(err)}`);
    } finally {
      setBusy(false);
      onChanged();
    }
  };

  if (sessions.error) return <LoadError message={sessions.error} onRetry={sessions.reload} />;
  if (!sessions.data) return <Loading what="the sessions" />;
  const list = sessions.data.sessions;
  const outside = sessions.data.applicationsOutsideSessions;
  return (
    <>
      {outside.length ? (
        <p className="hint">Applications that kept tokens after their browser session ended: {outside.map((a) => a.appName).join(', ')}. Sign out everywhere ends them too.</p>
      ) : null}
      {list.length === 0 ? <p className="empty-inline">{user.userName} is not signed in anywhere{outside.length ? ' in a browser' : ''}.</p> : (
        <ul className="session-list">
          {list.map((s) => {
            const device = describeDevice(s.userAgent);
            return (
              <li key={s.id}>
                <h3>{device}</h3>
                <dl className="facts">
                  {s.ip ? <><dt>IP address</dt><dd>{s.ip}</dd></> : null}
                  <dt>Signed in</dt><dd><Time iso={isoOf(s.loginTime)} /></dd>
                  <dt>Last active</dt><dd><Time iso={isoOf(s.lastAccessTime)} /></dd>
                  <dt>Applications</dt>
                  <dd>{s.applications.length ? s.applications.map((a) => a.appName).join(', ') : <span className="muted">None</span>}</dd>
                </dl>
                <button type="button" className="button button-danger-quiet button-small" disabled={busy}
                  aria-label={`End session: ${device}, signed in ${isoOf(s.loginTime) ?? ''}`} onClick={() => void end(s, device)}>End session</button>
              </li>
            );
          })}
        </ul>
      )}
      {failed ? <div className="form-alert" role="alert">{failed}</div> : null}
    </>
  );
}
