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

export function TextField({ label, hint, error, className, ...input }: FieldText & InputHTMLAttributes<HTMLInputElement>) {
  const generated = useId();
  const id = input.id ?? generated;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}{input.required ? <span className="required" aria-hidden="true"> *</span> : null}</label>
      {hint ? <p id={hintId} className="hint">{hint}</p> : null}
      <input {...input} id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(hintId, errorId)} />
      <FieldError id={errorId} message={error} />
    </div>
  );
}

export function TextAreaField({ label, hint, error, className, ...input }: FieldText & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const generated = useId();
  const id = input.id ?? generated;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}{input.required ? <span className="required" aria-hidden="true"> *</span> : null}</label>
      {hint ? <p id={hintId} className="hint">{hint}</p> : null}
      <textarea {...input} id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(hintId, errorId)} />
      <FieldError id={errorId} message={error} />
    </div>
  );
}

export interface Option {
  value: string;
  label: string;
  disabled?: boolean;
}

export function SelectField({ label, hint, error, options, className, ...select }: FieldText & { options: readonly Option[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  const generated = useId();
  const id = select.id ?? generated;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? <p id={hintId} className="hint">{hint}</p> : null}
      <select {...select} id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(hintId, errorId)}>
        {options.map((o) => <option key={o.value} value={o.value} disabled={o.disabled}>{o.label}</option>)}
      </select>
      <FieldError id={errorId} message={error} />
    </div>
  );
}

export function CheckboxField({ label, hint, error, className, ...input }: FieldText & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) {
  const generated = useId();
  const id = input.id ?? generated;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={`check ${className ?? ''}`}>
      <input {...input} id={id} type="checkbox" aria-invalid={error ? true : undefined} aria-describedby={describedBy(hintId, errorId)} />
      <label htmlFor={id}>{label}</label>
      {hint ? <p id={hintId} className="hint">{hint}</p> : null}
      <FieldError id={errorId} message={error} />
    </div>
  );
}

export function RadioField({ label, hint, className, children, ...input }: FieldText & { children?: ReactNode } & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) {
  const generated = useId();
  const id = input.id ?? generated;
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className={`check ${className ?? ''}`}>
      <input {...input} id={id} type="radio" aria-describedby={hintId} />
      <label htmlFor={id}>{label}</label>
      {hint ? <p id={hintId} className="hint">{hint}</p> : null}
      {children}
    </div>
  );
}
