/** A message sent on a user's request (e.g. an emailed code), for per-user and per-IP rate limits. */
export interface SendAttemptTable {
  tenant_id: string;
  /** 'user:{userId}' or 'ip:{address}' */
  rate_key: string;
  /** Epoch seconds. */
  sent_at: number;
}
