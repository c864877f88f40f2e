/**
 * The development outbox: mail stored instead of sent while no SMTP server is configured.
 * Bodies carry one-time codes, so rows are pruned (newest N per tenant, bounded age).
 */
export interface EmailOutboxTable {
  tenant_id: string;
  id: string;
  to_address: string;
  from_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  /** Epoch milliseconds: several messages of one login share a second. */
  created_at_ms: number;
}
