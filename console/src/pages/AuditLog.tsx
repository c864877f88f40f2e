// Audit log: the tenant's security events, newest first. Filters (user, type, time range)
// live in the address, so a filtered view can be bookmarked or linked from a user's page;
// paging follows the API's cursors (Next page fetches what follows the last event shown).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Page, EmptyState, Loading, LoadError } from '../components/page';
import { FormAlert, TextField } from '../components/fields';
import { useLoad } from '../api/use-load';
import { Link, navigate } from '../router';
import { AuditEventTable } from '../features/audit/AuditEventTable';
import { EVENT_GROUPS, eventLabel, queryAudit, type AuditPage } from '../features/audit/api';
import { fromLocalInput, toLocalInput } from '../features/shared/format';
import { focusFirstInvalid, placeProblems, type Rules } from '../features/shared/problems';
import type { PageProps } from '../routes';
import '../features/shared/admin-pages.css';

const PAGE_SIZE = 20;

interface Filters {
  username: string;
  userId: string;
  /** Shown for userId (the user's name when linked from their page). */
  name: string;
  type: string;
  /** ISO times. */
  from: string;
  to: string;
}

type Field = 'username' | 'type' | 'from' | 'to';
const RULES: Rules<Field> = [
  ['username', /^username\b|^userId\b/],
  ['type', /event type|^type\b/],
  ['from', /^from\b/],
  ['to', /^to\b/],
];

const filtersOf = (query: URLSearchParams): Filters => ({
  username: query.get('username') ?? '',
  userId: query.get('userId') ?? '',
  name: query.get('name') ?? '',
  type: query.get('type') ?? '',
  from: query.get('from') ?? '',
  to: query.get('to') ?? '',
});

function pathOf(filters: Filters): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) query.set(key, value);
  const text = query.toString();
  return `/audit-log${text ? `?${text}` : ''}`;
}

export function AuditLogPage({ query }: PageProps) {
  const filters = filtersOf(query);
  const key = pathOf(filters);
  return (
    <Page title="Audit log">
      <p className="lead">Security events of this organization: sign-ins, lockouts, second factors and every change made through the console or the admin API. Newest first.</p>
      {/* A new filter starts again at the first page. */}
      <AuditLogView key={key} filters={filters} />
    </Page>
  );
}

function FilterForm({ filters, refused }: { filters: Filters; refused: Partial<Record<Field, string>> }) {
  const [username, setUsername] = useState(filters.username);
  const [type, setType] = useState(filters.type);
  const [from, setFrom] = useState(toLocalInput(filters.from || null));
  const [to, setTo] = useState(toLocalInput(filters.to || null));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const form = useRef<HTMLFormElement>(null);
  // The server's objections to the filters in the address go on their fields.
  const refusedKey = JSON.stringify(refused);
  useEffect(() => {
    if (refusedKey === '{}') return;
    setErrors(JSON.parse(refusedKey) as Partial<Record<Field, string>>);
    focusFirstInvalid(form.current);
  }, [refusedKey]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const fromIso = fromLocalInput(from);
    const toIso = fromLocalInput(to);
    const problems: Partial<Record<Field, string>> = {};
    if (from && !fromIso) problems.from = 'Enter a date and time.';
    if (to && !toIso) problems.to = 'Enter a date and time.';
    if (fromIso && toIso && fromIso > toIso) problems.to = 'The end of the time range must not be before its start.';
    setErrors(problems);
    if (Object.keys(problems).length) { focusFirstInvalid(form.current); return; }
    void navigate(pathOf({ ...filters, username: username.trim(), type, from: fromIso ?? '', to: toIso ?? '' }));
  };

  const anything = Object.entries(filters).some(([k, v]) => k !== 'name' && v);
  return (
    <>
      <form ref={form} className="filters" aria-label="Filter the audit log" onSubmit={apply} noValidate>
        <TextField label="Username" type="search" autoComplete="off" spellCheck={false} value={username} error={errors.username}
          onChange={(e) => setUsername(e.target.value)} />
        <div className="field">
          <label htmlFor="audit-type">Event type</label>
          <select id="audit-type" value={type} onChange={(e) => setType(e.target.value)}
            aria-invalid={errors.type ? true : undefined} aria-describedby={errors.type ? 'audit-type-error' : undefined}>
            <option value="">All event types</option>
            {EVENT_GROUPS.map((g) => (
              <optgroup key={g.group} label={g.group}>
                {g.types.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
              </optgroup>
            ))}
          </select>
          {errors.type ? <p id="audit-type-error" className="field-error">{errors.type}</p> : null}
        </div>
        <TextField label="From" type="datetime-local" value={from} error={errors.from} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="To" type="datetime-local" value={to} error={errors.to} onChange={(e) => setTo(e.target.value)} />
        <div className="filter-actions">
          <button type="submit" className="button button-primary">Apply filters</button>
          {anything ? <Link className="button button-quiet" to="/audit-log">Clear filters</Link> : null}
        </div>
      </form>
      {filters.userId ? (
        <ul className="chips" aria-label="Other filters">
          <li>
            Only events of {filters.name ? <strong>{filters.name}</strong> : <span className="mono">{filters.userId}</span>}
            <Link className="button button-small button-quiet" to={pathOf({ ...filters, userId: '', name: '' })}>Remove<span className="sr-only"> the user filter</span></Link>
          </li>
        </ul>
      ) : null}
    </>
  );
}

function AuditLogView({ filters }: { filters: Filters }) {
  // The cursors that led to the current page; empty on the first page.
  const [trail, setTrail] = useState<string[]>([]);
  const cursor = trail.at(-1);
  const page = useLoad((signal): Promise<AuditPage> => queryAudit({
    ...(filters.userId ? { userId: filters.userId } : {}),
    ...(filters.username ? { username: filters.username } : {}),
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.from ? { from: filters.from } : {}),
    ...(filters.to ? { to: filters.to } : {}),
    limit: PAGE_SIZE,
    ...(cursor ? { cursor } : {}),
  }, signal), [cursor]);

  // A filter the server refused (a bad time, an unknown type) is marked on its field.
  const placed = page.error ? placeProblems(page.error, RULES) : undefined;
  const refused = placed?.fields ?? {};
  return (
    <>
      <FilterForm filters={filters} refused={refused} />
      {placed && !Object.keys(refused).length ? <LoadError message={page.error!} onRetry={page.reload} /> : null}
      {placed && Object.keys(refused).length ? <FormAlert message="The filters were not accepted: see the problem marked above." /> : null}
      {!page.error ? <Results trail={trail} setTrail={setTrail} page={page.data} loading={page.loading} filters={filters} /> : null}
    </>
  );
}

function Results({ trail, setTrail, page: data, loading, filters }: {
  trail: string[];
  setTrail: (update: (t: string[]) => string[]) => void;
  page: AuditPage | undefined;
  loading: boolean;
  filters: Filters;
}) {
  if (!data) return <Loading what="events" />;

  const filtered = Object.entries(filters).some(([k, v]) => k !== 'name' && v);
  const number = trail.length + 1;
  return (
    <>
      {data.events.length === 0 ? (
        <EmptyState title={number > 1 ? 'No more events' : filtered ? 'No events match these filters' : 'No events yet'}>
          <p>{filtered ? 'Widen the time range, choose another event type or clear the filters.' : 'Events appear here as people sign in and administrators change settings.'}</p>
          {filtered ? <p><Link to="/audit-log">Show all events</Link></p> : null}
        </EmptyState>
      ) : (
        <AuditEventTable events={data.events} caption={`Audit events${filters.type ? ` of type ${eventLabel(filters.type)}` : ''}, page ${number}`} />
      )}
      {number > 1 || data.nextCursor ? (
        <nav className="pager" aria-label="Pages of audit events">
          <p>Page {number}{loading ? ' (loading…)' : ''}</p>
          <div>
            <button type="button" className="button" disabled={loading || number === 1} onClick={() => setTrail((t) => t.slice(0, -1))}>Newer events</button>
            <button type="button" className="button" disabled={loading || !data.nextCursor} onClick={() => data.nextCursor && setTrail((t) => [...t, data.nextCursor!])}>Older events</button>
          </div>
        </nav>
      ) : null}
    </>
  );
}

