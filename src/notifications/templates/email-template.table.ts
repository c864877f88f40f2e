/** A tenant's own email template for one type and locale; it overrides the built-in default for that tenant and locale only. */
export interface EmailTemplateTable {
  tenant_id: string;
  /** WSO2's type id: base64url of the type name ('VE9UUA' for TOTP). */
  type_id: string;
  /** language_COUNTRY, e.g. en_US */
  locale: string;
  content_type: string;
  subject: string;
  body: string;
  footer: string;
  updated_at: number;
}
