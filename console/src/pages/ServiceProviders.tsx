// Service Providers: the list (search by name, pages of 10), Add, Edit and Delete.
import { useState, type FormEvent } from 'react';
import { Page, EmptyState, Loading, LoadError } from '../components/page';
import { TextField } from '../components/fields';
import { Pager, pageOf, pagedPath } from '../components/pager';
import { useLoad } from '../api/use-load';
import { Link, navigate } from '../router';
import { listApplications, type ApplicationListItem } from '../features/service-providers/api';
import { useDeleteServiceProvider } from '../features/service-providers/use-delete-service-provider';
import type { PageProps } from '../routes';

const PAGE_SIZE = 10;

const listPath = (search: string, page: number) => pagedPath('/service-providers', { name: 'search', value: search }, page);

export function ServiceProvidersPage({ query }: PageProps) {
  const search = query.get('search') ?? '';
  const page = pageOf(query);
  const [typed, setTyped] = useState(search);
  const deleteServiceProvider = useDeleteServiceProvider();
  const list = useLoad((signal) => listApplications({ search, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }, signal), [search, page]);

  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    void navigate(listPath(typed.trim(), 1));
  };

  const remove = async (app: ApplicationListItem) => {
    if (!(await deleteServiceProvider(app))) return;
    const lastOnPage = (list.data?.applications.length ?? 0) === 1 && page > 1;
    if (lastOnPage) void navigate(listPath(search, page - 1), { replace: true });
    else list.reload();
  };

  const data = list.data;
  const total = data?.totalResults ?? 0;
  const onlySystem = data !== undefined && !search && data.applications.every((a) => a.isSystemApp) && page === 1;

  return (
    <Page title="Service Providers" actions={<Link className="button button-primary" to="/service-providers/add">Add</Link>}>
      <p className="lead">The applications whose users sign in through Gatehouse (WSO2's service providers).</p>
      <form className="search" role="search" onSubmit={submitSearch}>
        <TextField label="Search by name" type="search" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="Part of a name" />
        <button type="submit" className="button">Search</button>
        {search ? <Link className="button button-quiet" to="/service-providers">Clear search</Link> : null}
      </form>

      {list.error ? <LoadError message={list.error} onRetry={list.reload} /> : null}
      {!data && list.loading ? <Loading what="service providers" /> : null}
      {data ? (
        <>
          {onlySystem ? (
            <EmptyState title="No service providers yet">
              <p>Register your first application to let its users sign in through Gatehouse.</p>
              <Link className="button button-primary" to="/service-providers/add">Add a service provider</Link>
            </EmptyState>
          ) : null}
          {search && data.applications.length === 0 ? (
            <EmptyState title={`No service provider matches "${search}"`}>
              <p><Link to="/service-providers">Show all service providers</Link></p>
            </EmptyState>
          ) : null}
          {data.applications.length > 0 ? (
            <table className="table">
              <caption className="sr-only">Service providers{search ? ` matching "${search}"` : ''}</caption>
              <thead>
                <tr><th scope="col">Service Provider Name</th><th scope="col">Description</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {data.applications.map((app) => (
                  <tr key={app.id}>
                    <th scope="row">
                      <Link to={`/service-providers/${app.id}`}>{app.name}</Link>
                      {app.isSystemApp ? <span className="badge">System</span> : null}
                    </th>
                    <td>{app.description || <span className="muted">No description</span>}</td>
                    <td className="row-actions">
                      <Link className="button button-small" to={`/service-providers/${app.id}`}>Edit<span className="sr-only"> {app.name}</span></Link>
                      {app.isSystemApp ? null : (
                        <button type="button" className="button button-small button-danger-quiet" onClick={() => void remove(app)}>
                          Delete<span className="sr-only"> {app.name}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <Pager label="Pages of service providers" page={page} pageSize={PAGE_SIZE} total={total} last={Math.min(total, page * PAGE_SIZE)} pathOf={(p) => listPath(search, p)} />
        </>
      ) : null}
    </Page>
  );
}
