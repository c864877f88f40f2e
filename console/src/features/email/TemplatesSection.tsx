// Email → Templates: pick a type (TOTP) and a locale, edit subject, body and footer, and see
// the result with sample values as you type (the server renders it: POST …/preview, after
// a pause in typing). Save replaces the locale's template for this organization (or adds a
// new locale); Delete brings back the built-in default. Save errors (a body without
// {{token}}, a subject on two lines) are shown under their field.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { FormAlert, SelectField, TextAreaField, TextField } from '../../components/fields';
import { Loading, LoadError } from '../../components/page';
import { useConfirm } from '../../components/confirm';
import { useToast } from '../../components/toast';
import { useLoad } from '../../api/use-load';
import { ApiError, messageOf } from '../../api/client';
import { focusFirstInvalid, placeProblems, type Rules } from '../shared/problems';
import { addTemplate, deleteTemplate, getTemplateType, listTemplateTypes, previewTemplate, replaceTemplate, type Preview, type TemplateContent, type TemplateType } from './api';
import { HtmlPreview } from './HtmlPreview';

const HTML = 'text/html; charset=UTF-8';
const PLAIN = 'text/plain; charset=UTF-8';
const CONTENT_TYPES = [{ value: HTML, label: 'HTML' }, { value: PLAIN, label: 'Plain text' }];
const LOCALE = /^[a-z]{2,3}_[A-Z]{2}$/;
const PREVIEW_DELAY_MS = 400;

type Field = 'locale' | 'contentType' | 'subject' | 'body' | 'footer';
const RULES: Rules<Field> = [
  ['locale', /^id\b|^locale\b|^did you mean|already exists/],
  ['contentType', /^contentType\b/],
  ['subject', /^subject\b/],
  ['footer', /^footer\b/],
  ['body', /^body\b|in its body/],
];

const normalized = (c: TemplateContent): TemplateContent => ({ ...c, contentType: /^\s*text\/plain/i.test(c.contentType) ? PLAIN : HTML });
const same = (a: TemplateContent, b: TemplateContent) => JSON.stringify(normalized(a)) === JSON.stringify(normalized(b));

export function TemplatesSection({ onDirty }: { onDirty(dirty: boolean): void }) {
  const types = useLoad((signal) => listTemplateTypes(signal), []);
  const [typeId, setTypeId] = useState<string | undefined>();
  const dirty = useRef(false);
  const confirm = useConfirm();
  const selected = typeId ?? types.data?.[0]?.id;

  /** Switching what is edited with unsaved changes asks first. */
  const mayLeave = async () => !dirty.current || confirm({
    title: 'Discard your changes to this template?',
    message: <p>The template you are editing has changes that are not saved.</p>,
    confirmLabel: 'Discard changes',
    cancelLabel: 'Keep editing',
    danger: true,
  });
  const reportDirty = useCallback((value: boolean) => { dirty.current = value; onDirty(value); }, [onDirty]);

  return (
    <section className="panel" aria-labelledby="templates-heading">
      <h2 id="templates-heading">Templates</h2>
      <p className="hint">The emails Gatehouse sends, per type and language (locale). A user gets the template of their locale, else the organization's default locale, else en_US.</p>
      {types.error ? <LoadError message={types.error} onRetry={types.reload} /> : null}
      {!types.data && !types.error ? <Loading what="email template types" /> : null}
      {types.data && selected ? (
        <>
          <div className="template-picker">
            <SelectField label="Template type" options={types.data.map((t) => ({ value: t.id, label: t.displayName }))} value={selected}
              onChange={(e) => { const next = e.target.value; void mayLeave().then((ok) => { if (ok) setTypeId(next); }); }} />
          </div>
          <TypeTemplates key={selected} typeId={selected} mayLeave={mayLeave} onDirty={reportDirty} />
        </>
      ) : null}
    </section>
  );
}

function TypeTemplates({ typeId, mayLeave, onDirty }: { typeId: string; mayLeave(): Promise<boolean>; onDirty(dirty: boolean): void }) {
  const [version, setVersion] = useState(0);
  const type = useLoad((signal) => getTemplateType(typeId, signal), [typeId, version]);
  const [locale, setLocale] = useState<string | undefined>();
  /** A locale being added: edited here, created by Save. */
  const [adding, setAdding] = useState<string | undefined>();
  const [newLocale, setNewLocale] = useState('');
  const [newLocaleError, setNewLocaleError] = useState<string | undefined>();

  if (type.error) return <LoadError message={type.error} onRetry={type.reload} />;
  if (!type.data) return <Loading what="the templates" />;
  const data = type.data;
  const current = adding ?? (locale && data.templates.some((t) => t.id === locale) ? locale : (data.templates.find((t) => t.id === 'en_US') ?? data.templates[0])?.id);
  const stored = data.templates.find((t) => t.id === current);
  // A new locale starts from the template shown before, so there is something to translate.
  const base = stored ?? data.templates.find((t) => t.id === locale) ?? data.templates[0];

  const choose = (next: string) => void mayLeave().then((ok) => { if (ok) { setAdding(undefined); setLocale(next); } });
  const startAdding = (event: FormEvent) => {
    event.preventDefault();
    const value = newLocale.trim();
    if (!LOCALE.test(value)) { setNewLocaleError('Write the locale as language_COUNTRY, e.g. de_DE or pt_BR.'); return; }
    if (data.templates.some((t) => t.id === value)) { setNewLocaleError(`${value} already has a template: choose it under Locale.`); return; }
    void mayLeave().then((ok) => {
      if (!ok) return;
      setLocale(current);
      setAdding(value);
      setNewLocale('');
      setNewLocaleError(undefined);
    });
  };
  const saved = (savedLocale: string) => { setAdding(undefined); setLocale(savedLocale); setVersion((v) => v + 1); };

  return (
    <>
      <p>{data.description}</p>
      <div className="template-picker">
        <SelectField
          label="Locale"
          value={current ?? ''}
          options={[
            ...data.templates.map((t) => ({ value: t.id, label: `${t.id} (${t.source === 'tenant' ? 'this organization\'s' : 'built-in default'})` })),
            ...(adding ? [{ value: adding, label: `${adding} (new, not saved)` }] : []),
          ]}
          onChange={(e) => choose(e.target.value)}
        />
        <form className="add-locale" noValidate onSubmit={startAdding} aria-label="Add a locale">
          <TextField label="New locale" hint="e.g. de_DE" autoComplete="off" spellCheck={false} value={newLocale} error={newLocaleError}
            onChange={(e) => { setNewLocale(e.target.value); setNewLocaleError(undefined); }} />
          <button type="submit" className="button">Add locale</button>
        </form>
      </div>
      {current && base ? (
        <TemplateEditor
          // A fresh editor for another locale, and when the stored template changed (saved, deleted).
          key={`${current}|${adding ? 'new' : 'stored'}|${stored?.source ?? ''}|${JSON.stringify(base)}`}
          type={data}
          locale={current}
          isNew={Boolean(adding)}
          source={stored?.source}
          initial={{ contentType: base.contentType, subject: base.subject, body: base.body, footer: base.footer }}
          onDirty={onDirty}
          onSaved={saved}
          onCancelNew={() => { setAdding(undefined); onDirty(false); }}
        />
      ) : null}
    </>
  );
}

interface EditorProps {
  type: TemplateType;
  locale: string;
  isNew: boolean;
  source: 'tenant' | 'default' | undefined;
  initial: TemplateContent;
  onDirty(dirty: boolean): void;
  onSaved(locale: string): void;
  onCancelNew(): void;
}

function TemplateEditor({ type, locale, isNew, source, initial, onDirty, onSaved, onCancelNew }: EditorProps) {
  const [draft, setDraft] = useState<TemplateContent>(() => normalized(initial));
  // What is stored: the template given, then what this editor saved (before the reload arrives).
  const [baseline, setBaseline] = useState<TemplateContent>(initial);
  const [created, setCreated] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [failed, setFailed] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const confirm = useConfirm();
  const toast = useToast();

  const dirty = (isNew && !created) || !same(draft, baseline);
  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  useEffect(() => () => onDirty(false), [onDirty]);

  const set = (field: keyof TemplateContent, value: string) => {
    setDraft((d) => ({ ...d, [field]: value }));
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setFailed(undefined);
    try {
      if (isNew) await addTemplate(type.id, locale, draft);
      else await replaceTemplate(type.id, locale, draft);
      setBaseline(draft);
      setCreated(true);
      onDirty(false);
      toast.show(`${type.displayName} template for ${locale} saved.`);
      onSaved(locale);
    } catch (err) {
      const placed = placeProblems(messageOf(err), RULES);
      if (err instanceof ApiError && err.status === 409 && !placed.fields.locale) placed.fields.locale = messageOf(err);
      setErrors(placed.fields);
      setFailed(`The template was not saved: ${placed.form ?? 'see the problems marked above.'}`);
      focusFirstInvalid(form.current);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    const builtIn = locale === 'en_US' || type.templates.some((t) => t.id === locale && t.source === 'default');
    const ok = await confirm({
      title: `Delete this organization's ${locale} template?`,
      message: <p>{builtIn ? 'The built-in default template applies again.' : `Users with the locale ${locale} then get the organization's default locale, or en_US.`}</p>,
      confirmLabel: 'Delete template',
      danger: true,
    });
    if (!ok) return;
    try {
      await deleteTemplate(type.id, locale);
      onDirty(false);
      toast.show(`${type.displayName} template for ${locale} deleted.`);
      onSaved(builtIn ? locale : 'en_US');
    } catch (err) {
      setFailed(`The template was not deleted: ${messageOf(err)}`);
    }
  };

  return (
    <div className="template-grid">
      <form ref={form} className="template-form" noValidate onSubmit={(e) => void save(e)} aria-label={`${type.displayName} template for ${locale}`}>
        <h3>{isNew ? `New template for ${locale}` : `Template for ${locale}`}</h3>
        {errors.locale ? <FormAlert message={errors.locale} /> : null}
        <SelectField label="Format" options={CONTENT_TYPES} value={draft.contentType} error={errors.contentType} onChange={(e) => set('contentType', e.target.value)} />
        <TextField label="Subject" required autoComplete="off" value={draft.subject} error={errors.subject} onChange={(e) => set('subject', e.target.value)} />
        <TextAreaField label="Body" required rows={12} className="mono-input" spellCheck={false} value={draft.body} error={errors.body}
          hint={type.placeholders.some((p) => p.name === 'token') ? 'Must contain {{token}}, the code the user types.' : undefined}
          onChange={(e) => set('body', e.target.value)} />
        <TextAreaField label="Footer" rows={3} className="mono-input" spellCheck={false} value={draft.footer} error={errors.footer} onChange={(e) => set('footer', e.target.value)} />
        <details className="placeholders-help">
          <summary>Placeholders you can use</summary>
          <ul className="placeholders">
            {type.placeholders.map((p) => <li key={p.name}><code>{`{{${p.name}}}`}</code> — {p.description}</li>)}
          </ul>
        </details>
        <FormAlert message={failed} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>Save template</button>
          {!isNew && dirty ? <button type="button" className="button" onClick={() => { setDraft(normalized(baseline)); setErrors({}); setFailed(undefined); }}>Discard changes</button> : null}
          {isNew ? <button type="button" className="button" onClick={onCancelNew}>Cancel new locale</button> : null}
          {!isNew && source === 'tenant' ? <button type="button" className="button button-danger-quiet" onClick={() => void remove()}>Delete template</button> : null}
          {dirty && !isNew ? <span className="unsaved" role="status">Unsaved changes</span> : null}
        </div>
      </form>
      <LivePreview typeId={type.id} locale={locale} draft={draft} />
    </div>
  );
}

function LivePreview({ typeId, locale, draft }: { typeId: string; locale: string; draft: TemplateContent }) {
  const [preview, setPreview] = useState<Preview | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(true);
  const key = JSON.stringify(draft);

  useEffect(() => {
    const controller = new AbortController();
    setPending(true);
    // Waits for a pause in typing, so a fast typist causes one request, not one per key.
    const timer = window.setTimeout(() => {
      previewTemplate(typeId, locale, JSON.parse(key) as TemplateContent, controller.signal).then(
        (p) => { setPreview(p); setError(undefined); setPending(false); },
        (err: unknown) => { if (!controller.signal.aborted) { setError(messageOf(err)); setPending(false); } },
      );
    }, PREVIEW_DELAY_MS);
    return () => { window.clearTimeout(timer); controller.abort(); };
  }, [typeId, locale, key]);

  return (
    <section className="preview" aria-labelledby="preview-heading" aria-busy={pending}>
      <h3 id="preview-heading">Preview <span className="muted">(sample values)</span></h3>
      {error ? <p className="form-alert">{`The preview failed: ${error}`}</p> : null}
      {!preview && !error ? <Loading what="the preview" /> : null}
      {preview ? (
        <>
          <p className="preview-subject" data-testid="preview-subject"><strong>Subject: </strong><span>{preview.subject}</span></p>
          {preview.warnings.length ? (
            <>
              <p className="field-error">Check {preview.warnings.length === 1 ? 'this' : 'these'} before saving:</p>
              <ul className="warnings">{preview.warnings.map((w) => <li key={w}>{w}</li>)}</ul>
            </>
          ) : null}
          {preview.html !== undefined ? <HtmlPreview html={preview.html} title={`Preview of the email body (${locale})`} /> : null}
          <details className="plain-text-part" open={preview.html === undefined}>
            <summary>Plain-text part</summary>
            <pre className="plain-text">{preview.text}</pre>
          </details>
        </>
      ) : null}
    </section>
  );
}
