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
  'internal_tenant_view',
  'internal_tenant_create',
];
