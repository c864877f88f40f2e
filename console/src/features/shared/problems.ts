// Puts a server validation message next to the field it is about. The admin APIs answer
// one message that lists every problem, joined by "; " ("windowSize must be at least 1,
// got 0; digits must be one of 6, 8"); each part that a rule recognises goes under its
// field, and whatever none recognises stays for the form's alert, so nothing is lost.

export interface Placed<F extends string> {
  fields: Partial<Record<F, string>>;
  /** Problems that name no field. */
  form?: string;
}

/** [field, pattern] pairs, tried in order; the first match takes the part. */
export type Rules<F extends string> = ReadonlyArray<readonly [F, RegExp]>;

export function placeProblems<F extends string>(message: string, rules: Rules<F>, prefix?: RegExp): Placed<F> {
  const text = prefix ? message.replace(prefix, '') : message;
  const fields: Partial<Record<F, string>> = {};
  const rest: string[] = [];
  for (const part of text.split(/;\s+/).map((p) => p.trim()).filter(Boolean)) {
    const rule = rules.find(([, pattern]) => pattern.test(part));
    if (!rule) { rest.push(part); continue; }
    const [field] = rule;
    const sentence = part.charAt(0).toUpperCase() + part.slice(1);
    fields[field] = fields[field] ? `${fields[field]} ${sentence}.` : `${sentence}.`;
  }
  return rest.length ? { fields, form: rest.join('; ') } : { fields };
}

/** Moves focus to the first control marked invalid, so keyboard and screen-reader users land on the problem. */
export function focusFirstInvalid(container: HTMLElement | null): void {
  window.requestAnimationFrame(() => {
    const first = container?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.focus();
  });
}
