// Form controls with their label, hint and error wired for assistive technology: every
// control has a visible <label>; hints and errors are referenced by aria-describedby and
// an error sets aria-invalid. Errors sit right under the control they are about.
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

interface FieldText {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
}

function describedBy(hintId: string | undefined, errorId: string | undefined): string | undefined {
  const ids = [hintId, errorId].filter(Boolean).join(' ');
  return ids || undefined;
}

export function FieldError({ id, message }: { id?: string; message: string | undefined }) {
  if (!message) return null;
  return <p id={id} className="field-error"><span aria-hidden="true">⚠ </span>{message}</p>;
}

/** A problem with the whole form (or a server answer that names no field). */
export function FormAlert({ message }: { message: string | undefined }) {
  if (!message) return null;
  return <div className="form-alert" role="alert">{message}</div>;
}

/** The ids a control and its hint and error share, and the attributes that tie them together. */
function useFieldIds(ownId: string | undefined, hint: ReactNode, error: string | undefined) {
  const generated = useId();
  const id = ownId ?? generated;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const control = { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy(hintId, errorId) } as const;
  return { id, hintId, errorId, control };
}

/** Label, hint, the control, then its error: the layout of every field but checkboxes and radios. */
function StackedField({ id, hintId, errorId, label, hint, error, required, className, children }: FieldText & {
  id: string; hintId: string | undefined; errorId: string | undefined; required?: boolean | undefined; className?: string | undefined; children: ReactNode;
}) {
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}{required ? <span className="required" aria-hidden="true"> *</span> : null}</label>
      {hint ? <p id={hintId} className="hint">{hint}</p> : null}
      {children}
      <FieldError id={errorId} message={error} />
    </div>
  );
}

export function TextField({ label, hint, error, className, ...input }: FieldText & InputHTMLAttributes<HTMLInputElement>) {
  const ids = useFieldIds(input.id, hint, error);
  return (
    <StackedField {...ids} label={label} hint={hint} error={error} required={input.required} className={className}>
      <input {...input} {...ids.control} />
    </StackedField>
  );
}

export function TextAreaField({ label, hint, error, className, ...input }: FieldText & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const ids = useFieldIds(input.id, hint, error);
  return (
    <StackedField {...ids} label={label} hint={hint} error={error} required={input.required} className={className}>
      <textarea {...input} {...ids.control} />
    </StackedField>
  );
}

export interface Option {
  value: string;
  label: string;
  disabled?: boolean;
}

export function SelectField({ label, hint, error, options, className, ...select }: FieldText & { options: readonly Option[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  const ids = useFieldIds(select.id, hint, error);
  return (
    <StackedField {...ids} label={label} hint={hint} error={error} className={className}>
      <select {...select} {...ids.control}>
        {options.map((o) => <option key={o.value} value={o.value} disabled={o.disabled}>{o.label}</option>)}
      </select>
    </StackedField>
  );
}

export function CheckboxField({ label, hint, error, className, ...input }: FieldText & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) {
  const { id, hintId, errorId, control } = useFieldIds(input.id, hint, error);
  return (
    <div className={`check ${className ?? ''}`}>
      <input {...input} {...control} type="checkbox" />
      <label htmlFor={id}>{label}</label>
      {hint ? <p id={hintId} className="hint">{hint}</p> : null}
      <FieldError id={errorId} message={error} />
    </div>
  );
}

export function RadioField({ label, hint, className, children, ...input }: FieldText & { children?: ReactNode } & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) {
  const { id, hintId } = useFieldIds(input.id, hint, undefined);
  return (
    <div className={`check ${className ?? ''}`}>
      <input {...input} id={id} type="radio" aria-describedby={hintId} />
      <label htmlFor={id}>{label}</label>
      {hint ? <p id={hintId} className="hint">{hint}</p> : null}
      {children}
    </div>
  );
}
