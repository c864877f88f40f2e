// Offset paging shared by the list pages: the page number and filter live in the URL
// (so Back and a reload keep the place), and the pager under the table moves between pages.
import { navigate } from '../router';

/** The page the URL asks for; anything that is not a positive number reads as page 1. */
export const pageOf = (query: URLSearchParams): number => Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);

/** A list page's address with its filter (left out when empty) and page (left out for page 1). */
export function pagedPath(path: string, filter: { name: string; value: string }, page: number): string {
  const query = new URLSearchParams();
  if (filter.value) query.set(filter.name, filter.value);
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return `${path}${text ? `?${text}` : ''}`;
}

/** "Showing 1–10 of 23" and Previous/Next; `last` is the number of the last row shown. */
export function Pager({ label, page, pageSize, total, last, pathOf }: {
  label: string;
  page: number;
  pageSize: number;
  total: number;
  last: number;
  pathOf: (page: number) => string;
}) {
  if (total <= 0) return null;
  const first = (page - 1) * pageSize + 1;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  // A page past the end (an old link, a typed address, rows deleted meanwhile): say so and
  // offer the last page, not "Showing 981–4 of 4".
  if (first > total) {
    return (
      <nav className="pager" aria-label={label}>
        <p>Page {page} is past the end: there {pages === 1 ? 'is 1 page' : `are ${pages} pages`} ({total} in all).</p>
        <div>
          <button type="button" className="button" onClick={() => void navigate(pathOf(pages))}>Go to the last page</button>
        </div>
      </nav>
    );
  }
  return (
    <nav className="pager" aria-label={label}>
      <p>Showing {first}–{last} of {total}</p>
      {pages > 1 ? <div>
        <button type="button" className="button" disabled={page <= 1} onClick={() => void navigate(pathOf(page - 1))}>Previous page</button>
        <span className="pager-page">Page {page} of {pages}</span>
        <button type="button" className="button" disabled={page >= pages} onClick={() => void navigate(pathOf(page + 1))}>Next page</button>
      </div> : null}
    </nav>
  );
}
