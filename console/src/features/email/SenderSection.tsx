// Email → Sender: this organization's own SMTP server (WSO2's EmailPublisher). The password
// is write-only: the page says whether one is stored and sends a new one only when typed.
// Without a sender, mail goes through the server's SMTP settings, or to the development
// outbox when the server has none. "Send test email" checks whichever applies.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { CheckboxField, FormAlert, TextField } from '../../components/fields';
import { Loading, LoadError } from '../../components/page';
import { useConfirm } from '../../components/confirm';
import { useToast } from '../../components/toast';
import { useLoad } from '../../api/use-load';
import { messageOf } from '../../api/client';
import { focusFirstInvalid, placeProblems, type Rules } from '../shared/problems';
import { createSender, deleteSender, listSenders, replaceSender, sendTestEmail, SENDER_NAME, type SendResult, type Sender } from './api';

interface Form {
  host: string;
  port: string;
  fromAddress: string;
  userName: string;
  password: string;
  signature: string;
  replyTo: string;
  authenticate: boolean;
  startTls: boolean;
  tlsOnConnect: boolean;
}

type Field = 'host' | 'port' | 'fromAddress' | 'userName' | 'password' | 'signature' | 'replyTo';

const RULES: Rules<Field> = [
  ['password', /^password\b/],
  ['userName', /^userName\b/],
  ['port', /^smtpPort\b/],
  ['fromAddress', /^fromAddress\b/],
  ['replyTo', /mail\.smtp\.replyTo/],
  ['signature', /mail\.smtp\.signature/],
  ['host', /^smtpServerHost\b|SMTP host/],
];

const NEW_SENDER: Form = { host: '', port: '587', fromAddress: '', userName: '', password: '', signature: '', replyTo: '', authenticate: true, startTls: true, tlsOnConnect: false };

function formOf(sender: Sender | undefined): Form {
  if (!sender) return NEW_SENDER;
  const prop = (key: string) => sender.properties.find((p) => p.key === key)?.value;
  return {
    host: sender.smtpServerHost,
    port: String(sender.smtpPort),
    fromAddress: sender.fromAddress,
    userName: sender.userName,
    password: '',
    signature: prop('mail.smtp.signature') ?? '',
    replyTo: prop('mail.smtp.replyTo') ?? '',
    authenticate: prop('enable_authentication') !== 'false',
    startTls: prop('enable_start_tls') !== 'false',
    tlsOnConnect: prop('tls_on_connect') === 'true',
  };
}

export function SenderSection({ onDirty, onChanged }: { onDirty(dirty: boolean): void; onChanged(): void }) {
  const loaded = useLoad((signal) => listSenders(signal), []);
  return (
    <section className="panel" aria-labelledby="sender-heading">
      <h2 id="sender-heading">Sender (SMTP)</h2>
      {loaded.error ? <LoadError message={loaded.error} onRetry={loaded.reload} /> : null}
      {!loaded.data && !loaded.error ? <Loading what="the email sender" /> : null}
      {loaded.data ? <SenderForm initial={loaded.data[0]} onDirty={onDirty} onChanged={onChanged} /> : null}
      <TestEmail onSent={onChanged} />
    </section>
  );
}

function SenderForm({ initial, onDirty, onChanged }: { initial: Sender | undefined; onDirty(dirty: boolean): void; onChanged(): void }) {
  const [sender, setSender] = useState(initial);
  const [saved, setSaved] = useState<Form>(() => formOf(initial));
  const [form, setForm] = useState<Form>(saved);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [failed, setFailed] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const element = useRef<HTMLFormElement>(null);
  const confirm = useConfirm();
  const toast = useToast();

  const dirty = JSON.stringify(form) !== JSON.stringify(saved);
  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  useEffect(() => () => onDirty(false), [onDirty]);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    if (key in errors) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Partial<Record<Field, string>> = {};
    if (!form.host.trim()) problems.host = 'Enter the SMTP server\'s host name, e.g. smtp.example.com.';
    const port = /^\d{1,5}$/.test(form.port.trim()) ? Number(form.port) : NaN;
    if (!(port >= 1 && port <= 65535)) problems.port = 'Enter a port from 1 to 65535: 587 for STARTTLS, 465 for TLS from the first byte.';
    if (!form.fromAddress.trim()) problems.fromAddress = 'Enter the address mail comes from, e.g. no-reply@example.com.';
    setErrors(problems);
    if (Object.keys(problems).length) {
      setFailed('The sender was not saved: see the problems marked above.');
      focusFirstInvalid(element.current);
      return;
    }
    setBusy(true);
    setFailed(undefined);
    const body = {
      name: SENDER_NAME,
      smtpServerHost: form.host.trim(),
      smtpPort: port,
      fromAddress: form.fromAddress.trim(),
      userName: form.userName.trim(),
      ...(form.password ? { password: form.password } : {}),
      properties: [
        { key: 'mail.smtp.signature', value: form.signature.trim() },
        { key: 'mail.smtp.replyTo', value: form.replyTo.trim() },
        { key: 'enable_authentication', value: String(form.authenticate) },
        { key: 'enable_start_tls', value: String(form.startTls) },
        { key: 'tls_on_connect', value: String(form.tlsOnConnect) },
      ],
    };
    try {
      const stored = sender ? await replaceSender(body) : await createSender(body);
      const fresh = formOf(stored);
      setSender(stored);
      setSaved(fresh);
      setForm(fresh);
      toast.show(sender ? 'Email sender updated.' : 'Email sender saved: this organization\'s mail now goes through it.');
      onChanged();
    } catch (err) {
      const placed = placeProblems(messageOf(err), RULES, /^invalid email sender:\s*/);
      setErrors(placed.fields);
      setFailed(`The sender was not saved: ${placed.form ?? 'see the problems marked above.'}`);
      focusFirstInvalid(element.current);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    const ok = await confirm({
      title: 'Remove this organization\'s email sender?',
      message: <p>Mail then goes through the server's SMTP settings, or to the development outbox when the server has none. The stored password is deleted.</p>,
      confirmLabel: 'Remove sender',
      danger: true,
    });
    if (!ok) return;
    try {
      await deleteSender();
      setSender(undefined);
      setSaved(NEW_SENDER);
      setForm(NEW_SENDER);
      setErrors({});
      toast.show('Email sender removed.');
      onChanged();
    } catch (err) {
      setFailed(`The sender was not removed: ${messageOf(err)}`);
    }
  };

  return (
    <form ref={element} className="form" noValidate onSubmit={(e) => void save(e)} aria-label="Email sender">
      <p className={sender ? 'hint' : 'notice'}>
        {sender
          ? 'This organization sends its mail (sign-in codes) through this SMTP server.'
          : 'This organization has no sender of its own: its mail goes through the server\'s SMTP settings, or to the development outbox when the server has none. Fill in the form to use your own SMTP server.'}
      </p>
      <TextField label="SMTP server" hint="Host name or IP address, without scheme or port." required autoComplete="off" spellCheck={false}
        value={form.host} error={errors.host} onChange={(e) => set('host', e.target.value)} />
      <TextField label="Port" type="number" inputMode="numeric" min={1} max={65535} required hint="587 for STARTTLS, 465 for TLS from the first byte, 25 for a relay."
        value={form.port} error={errors.port} onChange={(e) => set('port', e.target.value)} />
      <TextField label="From address" type="email" required autoComplete="off" value={form.fromAddress} error={errors.fromAddress} onChange={(e) => set('fromAddress', e.target.value)} />
      <TextField label="Sender name" hint="Shown with the From address, e.g. Acme Sign-in." autoComplete="off" value={form.signature} error={errors.signature} onChange={(e) => set('signature', e.target.value)} />
      <TextField label="Reply-To address" type="email" hint="Optional: where replies go." autoComplete="off" value={form.replyTo} error={errors.replyTo} onChange={(e) => set('replyTo', e.target.value)} />
      <CheckboxField label="Authenticate with a user name and password" checked={form.authenticate} onChange={(e) => set('authenticate', e.target.checked)} />
      <TextField label="SMTP user name" autoComplete="off" spellCheck={false} value={form.userName} error={errors.userName} onChange={(e) => set('userName', e.target.value)} />
      <PasswordField stored={Boolean(sender?.passwordSet)} value={form.password} error={errors.password} onChange={(v) => set('password', v)} />
      <CheckboxField label="Require STARTTLS" hint="Refuse a server that does not offer TLS, so the password never travels in clear." checked={form.startTls} disabled={form.tlsOnConnect}
        onChange={(e) => set('startTls', e.target.checked)} />
      <CheckboxField label="TLS from the first byte" hint="Implicit TLS, usually on port 465, instead of STARTTLS." checked={form.tlsOnConnect} onChange={(e) => set('tlsOnConnect', e.target.checked)} />
      <FormAlert message={failed} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>{sender ? 'Update sender' : 'Save sender'}</button>
        {dirty ? <button type="button" className="button" onClick={() => { setForm(saved); setErrors({}); setFailed(undefined); }}>Discard changes</button> : null}
        {sender ? <button type="button" className="button button-danger-quiet" onClick={() => void remove()}>Remove sender</button> : null}
        {dirty ? <span className="unsaved" role="status">Unsaved changes</span> : null}
      </div>
    </form>
  );
}

function PasswordField({ stored, value, error, onChange }: { stored: boolean; value: string; error: string | undefined; onChange(value: string): void }) {
  return (
    <TextField
      label={<>SMTP password {stored ? <span className="badge badge-ok">Password stored</span> : null}</>}
      type="password"
      autoComplete="new-password"
      hint={stored
        ? 'A password is stored; it is never shown. Leave this empty to keep it (it must be typed again when the server, port, user name or TLS change).'
        : 'Needed when the server asks for authentication. For Gmail and Office 365, an app password.'}
      value={value}
      error={error}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

function TestEmail({ onSent }: { onSent(): void }) {
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [result, setResult] = useState<SendResult | undefined>();
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  const resultId = useId();

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!to.trim()) { setError('Enter the address to send the test email to.'); return; }
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const sent = await sendTestEmail(to.trim());
      setResult(sent);
      if (sent.ok) toast.show(sent.delivery === 'outbox' ? 'Test email put in the development outbox.' : 'Test email sent.');
      onSent();
    } catch (err) {
      setError(messageOf(err).replace(/^to must/, 'The recipient must'));
    } finally {
      setBusy(false);
    }
  };

  const where = (r: SendResult) => (r.delivery === 'tenant' ? 'this organization\'s sender' : r.delivery === 'server' ? 'the server\'s SMTP settings' : 'the development outbox (no SMTP server is configured)');
  return (
    <form className="form test-email" noValidate onSubmit={(e) => void send(e)} aria-label="Send a test email">
      <h3>Send a test email</h3>
      <TextField label="Recipient" type="email" autoComplete="email" value={to} error={error}
        hint="Checks the settings that apply now (the saved ones, not unsaved changes)." onChange={(e) => { setTo(e.target.value); setError(undefined); }} />
      <button type="submit" className="button" disabled={busy} aria-describedby={result ? resultId : undefined}>{busy ? 'Sending…' : 'Send test email'}</button>
      {result ? (
        <p id={resultId} className={`result ${result.ok ? 'result-ok' : 'result-failed'}`} role={result.ok ? 'status' : 'alert'}>
          {result.ok
            ? `Sent through ${where(result)}.${result.smtpResponse ? ` The server answered: ${result.smtpResponse}` : ''}`
            : `Not sent through ${where(result)}: ${result.message}${result.smtpResponse ? ` (${result.smtpResponse})` : ''}`}
        </p>
      ) : null}
    </form>
  );
}
