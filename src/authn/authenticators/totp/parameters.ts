// The TOTP parameters (WSO2's names and defaults): declared once in the config schema,
// overridable per tenant through the admin API. Precedence: tenant > environment > file > default.
import type { Deps } from '../../../deps.js';
import { schema, type Config, type Leaf } from '../../../config/schema.js';
import { check } from '../../../config/load.js';
import { badRequest } from '../../../errors.js';
import { epochSeconds } from '../../../clock.js';
import { cachedTenantSetting, updateTenantSetting } from '../../../tenants/tenant-setting.cache.js';

export type TotpParameters = Config['authentication']['authenticator']['totp']['parameters'];
type Name = keyof TotpParameters;

const DECLARED = schema.authentication.authenticator.totp.parameters as unknown as Record<Name, Leaf>;
const SETTING = 'authenticator.totp.parameters';

function isName(key: string): key is Name {
  return Object.hasOwn(DECLARED, key);
}

/** The server-wide values (config file and environment over built-in defaults). */
export function serverTotpParameters(deps: Deps): TotpParameters {
  return deps.config.authentication.authenticator.totp.parameters;
}

/** The tenant's overrides, ignoring anything that no longer validates (a later, stricter schema). */
export async function tenantTotpOverrides(deps: Deps, tenantId: string): Promise<Partial<TotpParameters>> {
  return validOverrides(await cachedTenantSetting(deps.store, tenantId, SETTING)) as Partial<TotpParameters>;
}

function validOverrides(stored: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (isName(key) && check(value, DECLARED[key]) === undefined) out[key] = value;
  }
  return out;
}

/** What applies to this tenant now; every code path (login, self-service, admin) asks this. */
export async function totpParameters(deps: Deps, tenantId: string): Promise<TotpParameters> {
  return { ...serverTotpParameters(deps), ...await tenantTotpOverrides(deps, tenantId) };
}

/**
 * Applies a partial update: each key must be a known parameter with a valid value; null
 * removes the tenant's override (the server value applies again). Every problem is
 * reported at once, and nothing is saved unless all of them are fixed.
 */
export async function updateTotpParameters(deps: Deps, tenantId: string, body: unknown): Promise<TotpParameters> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body must be a JSON object of TOTP parameters, e.g. {"windowSize": 3}');
  }
  const problems: string[] = [];
  const set: Record<string, unknown> = {};
  const removed: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (!isName(key)) {
      problems.push(`"${key}" is not a TOTP parameter (known: ${Object.keys(DECLARED).join(', ')})`);
      continue;
    }
    if (value === null) {
      removed.push(key);
      continue;
    }
    const why = check(value, DECLARED[key]);
    if (why) problems.push(`${key} ${why}`);
    else set[key] = value;
  }
  if (problems.length) throw badRequest(problems.join('; '));
  // Applied to the stored value as it is when written (another node may have changed other keys).
  const written = await updateTenantSetting(deps.store, tenantId, SETTING, (stored) => {
    const overrides = validOverrides(stored);
    for (const key of removed) delete overrides[key];
    return { ...overrides, ...set };
  }, epochSeconds(deps.clock));
  return { ...serverTotpParameters(deps), ...written } as TotpParameters;
}

/**
 * Each parameter with its value, where the value comes from, the server value, a sentence,
 * and what values it takes (type, min/max, oneOf), so a form can offer only valid ones.
 */
export async function describeTotpParameters(deps: Deps, tenantId: string) {
  const server = serverTotpParameters(deps);
  const tenant = await tenantTotpOverrides(deps, tenantId);
  return (Object.keys(DECLARED) as Name[]).map((name) => {
    const { type, min, max, oneOf } = DECLARED[name];
    return {
      name,
      value: tenant[name] ?? server[name],
      source: name in tenant ? 'tenant' : 'server',
      serverValue: server[name],
      default: DECLARED[name].default,
      description: DECLARED[name].description,
      type,
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
      ...(oneOf ? { oneOf } : {}),
    };
  });
}
