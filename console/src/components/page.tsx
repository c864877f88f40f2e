// The frame of every page: its <h1> (focused after an in-app navigation, so screen
// readers announce the new page), the document title, and optional actions.
import { useEffect, useRef, type ReactNode } from 'react';

let firstPage = true;

export function Page({ title, eyebrow, actions, children }: { title: string; eyebrow?: string; actions?: ReactNode; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Gatehouse Console`;
  }, [title]);
  useEffect(() => {
    // The first page of a visit keeps the browser's focus; later ones take it.
    if (firstPage) firstPage = false;
    else heading.current?.focus();
  }, []);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          {eyebrow ? <p className="eyebrow">{eyebrow}</p> : null}
          <h1 ref={heading} tabIndex={-1}>{title}</h1>
        </div>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {children}
    </div>
  );
}

/** A clear empty state: what is missing and what to do about it. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="loading" role="status">Loading {what}…</p>;
}

export function LoadError({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="form-alert" role="alert">
      <p>{message}</p>
      {onRetry ? <button type="button" className="button" onClick={onRetry}>Try again</button> : null}
    </div>
  );
}

/** A collapsible part of a long form, WSO2-style ("Inbound Authentication Configuration"). */
export function Section({ id, title, open, onToggle, children }: { id: string; title: string; open: boolean; onToggle(): void; children: ReactNode }) {
  return (
    <section className="section" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className="section-heading">
        <button type="button" className="section-toggle" aria-expanded={open} aria-controls={`${id}-panel`} onClick={onToggle}>
          <span className="chevron" aria-hidden="true" />
          {title}
        </button>
      </h2>
      <div id={`${id}-panel`} className="section-panel" hidden={!open}>{children}</div>
    </section>
  );
}
