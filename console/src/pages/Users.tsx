// Users: the list (find by username, pages of 10) with Add and Delete, the Add user form,
// and one user's page (features/users/UserDetail: TOTP state, Reset TOTP, Unlock, Sign out
// everywhere, recent audit events). Users are SCIM resources (/scim2/Users).
import { useState, type FormEvent } from 'react';
import { Page, EmptyState, Loading, LoadError } from '../components/page';
import { TextField } from '../components/fields';
import { Pager, pageOf, pagedPath } from '../components/pager';
import { useLoad } from '../api/use-load';
import { useSession } from '../auth/session-store';
import { Link, navigate } from '../router';
import { displayName, isAdmin, isDisabled, listUsers, primaryEmail, type ScimUser } from '../features/users/api';
import { useDeleteUser } from '../features/users/use-delete-user';
import { UserAddForm } from '../features/users/UserAddForm';
import { UserDetail } from '../features/users/UserDetail';
import type { PageProps } from '../routes';
import '../features/shared/admin-pages.css';

const PAGE_SIZE = 10;

const listPath = (username: string, page: number) => pagedPath('/users', { name: 'username', value: username }, page);

export function UsersPage({ query }: PageProps) {
  const username = query.get('username') ?? '';
  const page = pageOf(query);
  const [typed, setTyped] = useState(username);
  const { session } = useSession();
  const remove = useDeleteUser();
  const list = useLoad((signal) => listUsers({ username, startIndex: (page - 1) * PAGE_SIZE + 1, count: PAGE_SIZE }, signal), [username, page]);

  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    void navigate(listPath(typed.trim(), 1));
  };

  const onDelete = async (user: ScimUser) => {
    if (!(await remove(user))) return;
    const lastOnPage = (list.data?.Resources.length ?? 0) === 1 && page > 1;
    if (lastOnPage) void navigate(listPath(username, page - 1), { replace: true });
    else list.reload();
  };

  const data = list.data;
  const total = data?.totalResults ?? 0;

  return (
    <Page title="Users" actions={<Link className="button button-primary" to="/users/add">Add user</Link>}>
      <p className="lead">The people who sign in through Gatehouse in this organization. Open a user to see their two-factor state, unlock them or end their sessions.</p>
      <form className="search" role="search" onSubmit={submitSearch}>
        <TextField label="Find by username" hint="The exact username." type="search" value={typed} autoComplete="off" spellCheck={false} onChange={(e) => setTyped(e.target.value)} />
        <button type="submit" className="button">Find</button>
        {username ? <Link className="button button-quiet" to="/users">Show all users</Link> : null}
      </form>

      {list.error ? <LoadError message={list.error} onRetry={list.reload} /> : null}
      {!data && list.loading ? <Loading what="users" /> : null}
      {data ? (
        <>
          {data.Resources.length === 0 ? (
            username ? (
              <EmptyState title={`No user is named "${username}"`}>
                <p>The search matches whole usernames only. <Link to="/users">Show all users</Link></p>
              </EmptyState>
            ) : (
              <EmptyState title={page > 1 ? 'There are no users on this page' : 'No users yet'}>
                <p>Add the people who should sign in through Gatehouse, or provision them with SCIM (<code>/scim2/Users</code>).</p>
                <Link className="button button-primary" to="/users/add">Add a user</Link>
              </EmptyState>
            )
          ) : (
            <table className="table">
              <caption className="sr-only">Users{username ? ` named "${username}"` : ''}</caption>
              <thead>
                <tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {data.Resources.map((user) => (
                  <tr key={user.id}>
                    <th scope="row">
                      <Link to={`/users/${encodeURIComponent(user.id)}`}>{user.userName}</Link>
                      {isAdmin(user) ? <span className="badge badge-info">Administrator</span> : null}
                      {isDisabled(user) ? <span className="badge badge-danger">Disabled</span> : null}
                    </th>
                    <td>{displayName(user) ?? <span className="muted">No name</span>}</td>
                    <td>{primaryEmail(user) ?? <span className="muted">No email</span>}</td>
                    <td className="row-actions">
                      <Link className="button button-small" to={`/users/${encodeURIComponent(user.id)}`}>Open<span className="sr-only"> {user.userName}</span></Link>
                      {session?.username === user.userName ? null : (
                        <button type="button" className="button button-small button-danger-quiet" onClick={() => void onDelete(user)}>
                          Delete<span className="sr-only"> {user.userName}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager label="Pages of users" page={page} pageSize={PAGE_SIZE} total={total} last={Math.min(total, (page - 1) * PAGE_SIZE + data.Resources.length)} pathOf={(p) => listPath(username, p)} />
        </>
      ) : null}
    </Page>
  );
}

export function UserAddPage() {
  return (
    <Page title="Add user" eyebrow="Users">
      <UserAddForm />
    </Page>
  );
}

export function UserDetailPage({ params }: PageProps) {
  return <UserDetail id={params.id!} />;
}
