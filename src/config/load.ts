// Reads gatehouse.toml (optional), overlays the environment, validates every key and
// freezes the result. Errors name the key and where it came from, one line each.
import { readFileSync, existsSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { schema, leaves, type Config, type Leaf } from './schema.js';
import { envName, SHORT_ENV } from './env.js';
import { shown } from '../errors.js';
import { isMailbox, isSmtpHost } from '../notifications/email-address.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  argv?: string[];
  env?: Record<string, string | undefined>;
  /** Inline overrides (tests): same shape as the TOML file, applied over it. */
  overrides?: Record<string, unknown>;
}

export function configPath(argv: string[], env: Record<string, string | undefined>): string | undefined {
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (i >= 0) {
    const arg = argv[i]!;
    const path = arg.includes('=') ? arg.slice('--config='.length) : argv[i + 1];
    // Without a path the option used to mean "no file at all", which also skipped ./gatehouse.toml.
    if (!path || path.startsWith('--')) throw new ConfigError(['--config needs the path of a TOML file: --config gatehouse.toml']);
    return path;
  }
  if (env.GATEHOUSE_CONFIG) return env.GATEHOUSE_CONFIG;
  return existsSync('gatehouse.toml') ? 'gatehouse.toml' : undefined;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  let file: Record<string, unknown> = {};
  const path = configPath(options.argv ?? [], env);
  if (path) {
    try {
      file = parseToml(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      const { line, column } = err as { line?: number; column?: number };
      const where = typeof line === 'number' ? ` line ${line}${typeof column === 'number' ? `, column ${column}` : ''}:` : '';
      throw new ConfigError([`config file ${path}:${where} ${(err as Error).message.split('\n')[0]}`]);
    }
    problems.push(...unknownKeys(file, schema, [], path));
  }
  const resolved: Record<string, unknown> = {};
  for (const [keyPath, leaf] of leaves()) {
    const dotted = keyPath.join('.');
    let value: unknown = leaf.default;
    let source = 'default';
    const fromFile = dig(file, keyPath);
    if (fromFile !== undefined) { value = fromFile; source = `${path}`; }
    const fromOverride = options.overrides ? dig(options.overrides, keyPath) : undefined;
    if (fromOverride !== undefined) { value = fromOverride; source = 'overrides'; }
    for (const name of [...(SHORT_ENV[dotted] ?? []), envName(keyPath)]) {
      const raw = env[name];
      if (raw !== undefined && raw !== '') {
        value = fromEnv(raw, leaf);
        source = `environment variable ${name}`;
      }
    }
    const problem = check(value, leaf);
    // A secret's value is never echoed, even when it is the wrong type.
    if (problem) problems.push(`${dotted} (${source}): ${leaf.secret ? problem.replace(/, got .*$/, ' (value not shown: secret)') : problem}`);
    setPath(resolved, keyPath, value);
  }
  if (problems.length) throw new ConfigError(problems);
  const config = resolved as unknown as Config;
  const related = relatedProblems(config);
  if (related.length) throw new ConfigError(related);
  const server = config.server as { base_url: string; port: number };
  if (!server.base_url) server.base_url = `http://localhost:${server.port}`;
  server.base_url = server.base_url.replace(/\/+$/, '');
  const baseProblem = checkBaseUrl(server.base_url);
  if (baseProblem) throw new ConfigError([`server.base_url: ${baseProblem}`]);
  const databaseProblem = checkDatabaseUrl(config.database.url);
  if (databaseProblem) throw new ConfigError([`database.url: ${databaseProblem}`]);
  if (config.redis.url && !/^rediss?:\/\//i.test(config.redis.url)) throw new ConfigError(['redis.url: must start with redis:// or rediss:// (value not shown: secret)']);
  return deepFreeze(config);
}

/** Values that fit their type but not what they configure, or not each other. */
function relatedProblems(config: Config): string[] {
  const problems: string[] = [];
  if (!config.server.data_dir.trim()) problems.push('server.data_dir: must not be empty (the default is ./data)');
  // base64 or base64url, padded or not; whitespace around it (a secret file's newline) is ignored.
  const key = config.security.encryption_key.trim();
  if (key && (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== 32)) {
    problems.push('security.encryption_key: must be 32 bytes in base64, as `openssl rand -base64 32` prints (value not shown: secret)');
  }
  const emailCode = config.authentication.authenticator.totp.email_code;
  if (emailCode.min_interval_seconds > emailCode.window_seconds) {
    problems.push(`authentication.authenticator.totp.email_code.min_interval_seconds: ${emailCode.min_interval_seconds} is longer than window_seconds (${emailCode.window_seconds}), which it cannot outlast`);
  }
  const email = config.output_adapter.email;
  if (email.hostname && !isSmtpHost(email.hostname)) problems.push(`output_adapter.email.hostname: "${email.hostname}" must be a host name or IP address, without scheme or port (port has its own key)`);
  if (email.from_address && !isMailbox(email.from_address, { singleLabelDomain: true })) problems.push(`output_adapter.email.from_address: "${email.from_address}" must be one email address such as no-reply@example.com`);
  return problems;
}

function checkBaseUrl(value: string): string | undefined {
  let url: URL;
  try { url = new URL(value); } catch { return `"${value}" is not a URL`; }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  if (url.search || url.hash) return 'must not have a query or fragment';
  return undefined;
}

// Anything else with a scheme would otherwise be taken for a SQLite file name
// ("mysql://…" would create a directory named "mysql:"). The value is never echoed: it may
// hold a password.
function checkDatabaseUrl(value: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'sqlite' || scheme === 'postgres' || scheme === 'postgresql') return undefined;
  return `${scheme}:// is not supported: use postgres://… for PostgreSQL, or leave it empty (or give a file path or sqlite:PATH) for SQLite`;
}

function fromEnv(raw: string, leaf: Leaf): unknown {
  switch (leaf.type) {
    case 'integer': return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    case 'boolean': return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'string[]': return raw.split(',').map((s) => s.trim()).filter(Boolean);
    default: return raw;
  }
}

/** Why a value does not fit its declaration, as the end of a sentence; undefined when it fits. */
export function check(value: unknown, leaf: Leaf): string | undefined {
  switch (leaf.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `must be a whole number, got ${shown(value)}`;
      if (leaf.min !== undefined && value < leaf.min) return `must be at least ${leaf.min}, got ${value}`;
      if (leaf.max !== undefined && value > leaf.max) return `must be at most ${leaf.max}, got ${value}`;
      if (leaf.oneOf && !leaf.oneOf.includes(String(value))) return `must be one of ${leaf.oneOf.join(', ')}, got ${value}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false, got ${shown(value)}`;
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'must be a list of strings';
    default:
      if (typeof value !== 'string') return `must be a string, got ${shown(value)}`;
      if (leaf.oneOf && !leaf.oneOf.includes(value)) return `must be one of ${leaf.oneOf.join(', ')}, got "${value}"`;
      return undefined;
  }
}

function unknownKeys(node: Record<string, unknown>, decl: Record<string, unknown>, prefix: string[], path: string): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    const d = decl[key] as Record<string, unknown> | undefined;
    const dotted = [...prefix, key].join('.');
    if (!d) out.push(`${dotted} (${path}): unknown key`);
    else if (!('type' in d && 'default' in d)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) out.push(`${dotted} (${path}): must be a [section]`);
      else out.push(...unknownKeys(value as Record<string, unknown>, d, [...prefix, key], path));
    }
  }
  return out;
}

function dig(obj: Record<string, unknown>, keyPath: string[]): unknown {
  let node: unknown = obj;
  for (const key of keyPath) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function setPath(obj: Record<string, unknown>, keyPath: string[], value: unknown): void {
  let node = obj;
  for (const key of keyPath.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keyPath[keyPath.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
