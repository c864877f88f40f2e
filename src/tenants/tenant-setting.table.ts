/** Per-tenant settings set through the admin API; they win over the config file and environment. */
export interface TenantSettingTable {
  tenant_id: string;
  /** e.g. 'authenticator.totp.parameters' */
  name: string;
  /** JSON object of the keys the tenant overrides. */
  value: string;
  updated_at: number;
}
