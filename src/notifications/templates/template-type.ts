// What an email template is and what a template type declares. A type is code: its name,
// the placeholders its event supplies, what the body must contain, and its default
// templates per locale. Tenants only override templates, never types.

/** WSO2's template shape (EmailTemplateWithID without the id). */
export interface EmailTemplateContent {
  /** text/html or text/plain, optionally with "; charset=UTF-8". */
  contentType: string;
  subject: string;
  body: string;
  footer: string;
}

export interface EmailTemplateType {
  /** WSO2's display name, e.g. 'TOTP'; the type id is its base64url. */
  name: string;
  description: string;
  /** Placeholders the sending code supplies for this type, with a sentence each (besides the common ones). */
  placeholders: Readonly<Record<string, string>>;
  /** Placeholders a template's body must contain; saving one without them is refused. */
  requiredInBody: readonly string[];
  /** Built-in templates by locale (en_US at least): what a tenant gets until it saves its own. */
  defaults: Readonly<Record<string, EmailTemplateContent>>;
  /** Values for this type's own placeholders in the console's preview. */
  sample: Readonly<Record<string, string>>;
}

/** WSO2's template type id: base64url of the display name, without padding ('TOTP' → 'VE9UUA'). */
export const templateTypeId = (name: string): string => Buffer.from(name, 'utf8').toString('base64url');
