// The whole schema as Kysely sees it, one table type per feature file.
import type { TenantTable, SigningKeyTable } from '../tenants/tenant.table.js';
import type { UserTable, LoginFailureTable } from '../users/user.table.js';
import type { ApplicationTable } from '../applications/application.table.js';
import type { OidcModelTable } from '../oidc/oidc-model.table.js';
import type { AuthnSessionTable } from '../authn/authn-session.table.js';
import type { TotpCredentialTable } from '../authn/authenticators/totp/totp-credential.table.js';
import type { TenantSettingTable } from '../tenants/tenant-setting.table.js';
import type { EmailSenderTable } from '../notifications/email-sender.table.js';
import type { EmailOutboxTable } from '../notifications/email-outbox.table.js';
import type { EmailTemplateTable } from '../notifications/templates/email-template.table.js';
import type { SendAttemptTable } from '../notifications/send-attempt.table.js';
import type { AuditEventTable } from '../audit/audit-event.table.js';
import type { BackupCodeTable } from '../authn/authenticators/backup-code/backup-code.table.js';

export interface Database {
  tenant: TenantTable;
  signing_key: SigningKeyTable;
  app_user: UserTable;
  login_failure: LoginFailureTable;
  application: ApplicationTable;
  oidc_model: OidcModelTable;
  authn_session: AuthnSessionTable;
  totp_credential: TotpCredentialTable;
  tenant_setting: TenantSettingTable;
  email_sender: EmailSenderTable;
  email_outbox: EmailOutboxTable;
  email_template: EmailTemplateTable;
  send_attempt: SendAttemptTable;
  audit_event: AuditEventTable;
  backup_code: BackupCodeTable;
}
