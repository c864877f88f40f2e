// The environment rule: GATEHOUSE_ + the key's path in upper case, `__` between levels,
// so `[output_adapter.email] hostname` is GATEHOUSE_OUTPUT_ADAPTER__EMAIL__HOSTNAME.
export function envName(keyPath: string[]): string {
  return `GATEHOUSE_${keyPath.join('__').toUpperCase()}`;
}

/** The usual short forms, weaker than the full GATEHOUSE_… name when both are set. */
export const SHORT_ENV: Record<string, string[]> = {
  'server.port': ['PORT'],
  'server.base_url': ['GATEHOUSE_BASE_URL'],
  'server.data_dir': ['GATEHOUSE_DATA_DIR'],
  'database.url': ['DATABASE_URL'],
  'redis.url': ['REDIS_URL'],
  'super_admin.username': ['GATEHOUSE_ADMIN_USERNAME'],
  'super_admin.password': ['GATEHOUSE_ADMIN_PASSWORD'],
};
