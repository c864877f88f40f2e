// A page of the console that is not built yet: says so and where the same thing is done
// meanwhile. Replace the page's file with the real page.
import { Page, EmptyState } from './page';

export function NotYetAvailable({ title, api, docs }: { title: string; api: string; docs?: string }) {
  return (
    <Page title={title}>
      <EmptyState title="Not available in the console yet">
        <p>This page comes in a later version of the console. Meanwhile, use the admin REST API: <code>{api}</code>{docs ? <> (see <code>{docs}</code>)</> : null}.</p>
      </EmptyState>
    </Page>
  );
}
