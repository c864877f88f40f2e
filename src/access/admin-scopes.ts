// The admin API's scopes (WSO2's internal_* names). A bearer token carries them only when
// issued to a management application that lists them, and, for user tokens, to an admin.
export const ADMIN_SCOPES: readonly string[] = [
  'internal_application_mgt_view',
  'internal_application_mgt_create',
  'internal_application_mgt_update',
  'internal_application_mgt_delete',
  'internal_user_mgt_view',
  'internal_user_mgt_list',
  'internal_user_mgt_create',
  'internal_user_mgt_update',
  'internal_user_mgt_delete',
  'internal_authenticator_view',
  'internal_authenticator_update',
  'internal_email_mgt_view',
  'internal_email_mgt_create',
  'internal_email_mgt_update',
  'internal_email_mgt_delete',
  'internal_config_mgt_view',
  'internal_config_mgt_add',
  'internal_config_mgt_update',
  'internal_config_mgt_delete',
  'internal_audit_view',
  'internal_tenant_view',
  'internal_tenant_create',
];

/**
 * The self-service scope (WSO2's name) for /api/users/v1/me/…. Any user, admin or not, gets
 * it from an application whose managementScopes lists it; only an administrator sets that
 * list, which is what makes such an application first-party.
 */
export const SELF_SERVICE_SCOPE = 'internal_login';

/** What an administrator may list in an application's managementScopes. */
export const MANAGEMENT_SCOPES: readonly string[] = [...ADMIN_SCOPES, SELF_SERVICE_SCOPE];
