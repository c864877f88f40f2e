// Loads data for a page and reloads it on demand; a newer load wins over an older one.
import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from './client';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    loadRef.current(controller.signal).then(
      (data) => { if (!controller.signal.aborted) setState({ data, loading: false }); },
      (err: unknown) => { if (!controller.signal.aborted) setState({ error: messageOf(err), loading: false }); },
    );
    return () => controller.abort();
    // The caller's deps say when to load again; `load` itself is read from a ref, so a new
    // closure on every render does not reload.
  }, [...deps, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
