/** A tenant's own SMTP server (WSO2's notification sender "EmailPublisher"); wins over [output_adapter.email]. */
export interface EmailSenderTable {
  tenant_id: string;
  name: string;
  smtp_host: string;
  smtp_port: number;
  from_address: string;
  /** '' when the server takes mail without AUTH. */
  username: string;
  /** Sealed with deps.secrets; null when none was given. Never returned by the API. */
  password: string | null;
  /** JSON object of the WSO2 properties[] (key → value), e.g. {"enable_start_tls": "true"}. */
  properties: string;
  created_at: number;
  updated_at: number;
}
