// Email → Development outbox: where mail goes while neither this organization nor the
// server has an SMTP server, so a developer can read sign-in codes. Shown only then; it
// holds live codes, which is why reading it needs the update scope and why it is not for
// production.
import { useEffect } from 'react';
import { Loading, LoadError } from '../../components/page';
import { useConfirm } from '../../components/confirm';
import { useToast } from '../../components/toast';
import { useLoad } from '../../api/use-load';
import { messageOf } from '../../api/client';
import { Time } from '../shared/format';
import { clearOutbox, getOutbox } from './api';

export function OutboxSection({ refresh }: { refresh: number }) {
  const outbox = useLoad((signal) => getOutbox(signal), []);
  const confirm = useConfirm();
  const toast = useToast();
  const { reload } = outbox;
  useEffect(() => { if (refresh > 0) reload(); }, [refresh, reload]);

  if (outbox.error) {
    return <section className="panel" aria-labelledby="outbox-heading"><h2 id="outbox-heading">Development outbox</h2><LoadError message={outbox.error} onRetry={reload} /></section>;
  }
  if (!outbox.data) return <Loading what="the outbox" />;
  const { delivery, messages } = outbox.data;
  if (delivery !== 'outbox') {
    return (
      <p className="hint">
        Mail is delivered through {delivery === 'tenant' ? 'this organization\'s sender' : 'the server\'s SMTP settings'}: the development outbox is not used.
      </p>
    );
  }

  const empty = async () => {
    const ok = await confirm({ title: 'Empty the outbox?', message: <p>Every message in this organization's outbox is deleted.</p>, confirmLabel: 'Empty outbox', danger: true });
    if (!ok) return;
    try {
      await clearOutbox();
      toast.show('Outbox emptied.');
      reload();
    } catch (err) {
      toast.show(`The outbox was not emptied: ${messageOf(err)}`, 'error');
    }
  };

  return (
    <section className="panel" aria-labelledby="outbox-heading">
      <h2 id="outbox-heading">Development outbox</h2>
      <p className="notice">
        No SMTP server is configured, so email is not delivered: it is kept here instead (newest first). The messages hold users' sign-in
        codes: this is for development only. Set a sender above, or SMTP in the server's configuration, before real users sign in.
      </p>
      <div className="panel-actions">
        <button type="button" className="button" onClick={reload} disabled={outbox.loading}>Refresh<span className="sr-only"> the outbox</span></button>
        {messages.length ? <button type="button" className="button button-danger-quiet" onClick={() => void empty()}>Empty outbox</button> : null}
      </div>
      {messages.length === 0 ? <p className="empty-inline">The outbox is empty.</p> : (
        <ul className="outbox" aria-label="Messages in the outbox">
          {messages.map((m) => (
            <li key={m.id}>
              <details>
                <summary><strong>{m.subject}</strong> to {m.to}, <Time iso={m.createdAt} /></summary>
                <dl className="facts">
                  <dt>From</dt><dd>{m.from}</dd>
                  <dt>To</dt><dd>{m.to}</dd>
                </dl>
                <pre className="plain-text">{m.text}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
