// A list of audit events (the Audit log page and a user's recent events): when, what, about
// whom, who did it, and the details on demand. A table on wide screens, cards on narrow ones.
import { Time } from '../shared/format';
import { eventLabel, type AuditEvent } from './api';

const actorOf = (e: AuditEvent): string => {
  if (e.actor.kind === 'anonymous') return 'Unknown (whoever was signing in)';
  if (e.actor.kind === 'system') return 'Gatehouse';
  const who = e.actor.username ?? e.actor.id ?? 'unknown';
  return e.actor.kind === 'application' ? `Application ${who}` : e.actor.kind === 'cli' ? `${who} (command line)` : who;
};

/** The facts worth a glance; the rest is in the details. */
function summary(e: AuditEvent): string[] {
  const out: string[] = [];
  if (e.factor) out.push(`factor ${e.factor}`);
  if (e.step !== null) out.push(`step ${e.step}`);
  if (e.clientId) out.push(`application ${e.clientId}`);
  if (e.ip) out.push(`from ${e.ip}`);
  const reason = e.details.reason;
  if (typeof reason === 'string') out.push(`reason ${reason}`);
  return out;
}

export function AuditEventTable({ events, caption, showUser = true }: { events: readonly AuditEvent[]; caption: string; showUser?: boolean }) {
  return (
    <table className="table audit-table">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Event</th>
          {showUser ? <th scope="col">User</th> : null}
          <th scope="col">By</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <td><Time iso={e.at} /></td>
            <th scope="row">
              <span className="event-type">{eventLabel(e.type)}</span>
              {e.outcome === 'failure' ? <span className="badge badge-danger">Failed</span> : null}
              <span className="event-meta mono">{e.type}</span>
            </th>
            {showUser ? <td>{e.user ? (e.user.username ?? e.user.id) : <span className="muted">—</span>}</td> : null}
            <td>{actorOf(e)}</td>
            <td>
              {summary(e).length ? <span className="event-meta">{summary(e).join(' · ')}</span> : null}
              <details className="event-details">
                <summary>Show details<span className="sr-only"> of {eventLabel(e.type)} at {e.at}</span></summary>
                <pre>{JSON.stringify({ details: e.details, userAgent: e.userAgent, actor: e.actor, user: e.user }, null, 2)}</pre>
              </details>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
