// Loads data for a page and reloads it on demand; a newer load wins over an older one.
import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from './client';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

const sameDeps = (a: readonly unknown[] | undefined, b: readonly unknown[]) =>
  a !== undefined && a.length === b.length && a.every((value, i) => Object.is(value, b[i]));

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  // `loadedFor`: the deps the data belongs to.
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean; loadedFor?: readonly unknown[] }>({ loading: true });
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const current = [...deps, version];

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    loadRef.current(controller.signal).then(
      (data) => { if (!controller.signal.aborted) setState({ data, loading: false, loadedFor: current }); },
      (err: unknown) => { if (!controller.signal.aborted) setState({ error: messageOf(err), loading: false, loadedFor: current }); },
    );
    return () => controller.abort();
    // The caller's deps say when to load again; `load` itself is read from a ref, so a new
    // closure on every render does not reload.
  }, current);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  // The render right after the deps change comes before the effect starts the new load:
  // it already says "loading", so nothing shows the old data as the new page's (a pager
  // reading "Page 2" over page 1's rows) or acts on it (a second click skipping a page).
  const loading = state.loading || !sameDeps(state.loadedFor, current);
  return { data: state.data, error: state.error, loading, reload };
}
