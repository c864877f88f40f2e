// Configuration loading: defaults, the TOML file, the environment rule and its short forms,
// precedence, and validation that names every bad key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, configPath, ConfigError } from '../../src/config/load.js';
import { envName } from '../../src/config/env.js';
import { leaves, type Config } from '../../src/config/schema.js';

let dir: string;
let fileCount = 0;
before(() => { dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** Loads with exactly this file content (empty by default) and environment, nothing else. */
function load(toml = '', env: Record<string, string> = {}): Config {
  const file = join(dir, `gatehouse-${++fileCount}.toml`);
  writeFileSync(file, toml);
  return loadConfig({ argv: ['--config', file], env });
}

/** The problems a load reports (fails the test when it loads). */
function problems(toml: string, env: Record<string, string> = {}): string[] {
  try {
    load(toml, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('the configuration was accepted');
}

const get = (config: Config, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);

test('defaults apply when neither file nor environment sets a key', () => {
  const config = load();
  const expected: Record<string, unknown> = {
    'server.port': 9443,
    'server.host': '0.0.0.0',
    'server.base_url': 'http://localhost:9443',
    'server.trust_proxy': false,
    'server.data_dir': './data',
    'database.url': '',
    'super_admin.username': 'admin',
    'super_admin.password': '',
    'identity_mgt.account_locking.enable_account_locking': true,
    'identity_mgt.account_locking.allowed_failed_attempts': 5,
    'identity_mgt.account_locking.auto_unlock_after': 5,
    'identity_mgt.account_locking.auto_unlock_time_increment_ratio': 2,
    'admin_api.allow_basic_auth': true,
    'logging.level': 'info',
  };
  for (const [path, value] of Object.entries(expected)) assert.deepEqual(get(config, path), value, path);
  for (const [keyPath, leaf] of leaves()) {
    if (keyPath.join('.') !== 'server.base_url') assert.deepEqual(get(config, keyPath.join('.')), leaf.default, keyPath.join('.'));
  }
});

test('values from the TOML file are used, typed as declared', () => {
  const config = load([
    '[server]', 'port = 8080', 'trust_proxy = true', 'base_url = "https://id.example.com"',
    '[database]', 'url = "postgres://gh@db:5432/gatehouse"',
    '[identity_mgt.account_locking]', 'allowed_failed_attempts = 3', 'auto_unlock_after = 0',
    '[logging]', 'level = "debug"',
  ].join('\n'));
  assert.equal(config.server.port, 8080);
  assert.equal(config.server.trust_proxy, true);
  assert.equal(config.server.base_url, 'https://id.example.com');
  assert.equal(config.database.url, 'postgres://gh@db:5432/gatehouse');
  assert.equal(config.identity_mgt.account_locking.allowed_failed_attempts, 3);
  assert.equal(config.identity_mgt.account_locking.auto_unlock_after, 0);
  assert.equal(config.identity_mgt.account_locking.enable_account_locking, true, 'keys the file leaves out keep their defaults');
  assert.equal(config.logging.level, 'debug');
});

test('environment variables override the file', () => {
  const config = load('[server]\nport = 8080\n[identity_mgt.account_locking]\nallowed_failed_attempts = 3\n', {
    GATEHOUSE_SERVER__PORT: '7000',
    GATEHOUSE_IDENTITY_MGT__ACCOUNT_LOCKING__ALLOWED_FAILED_ATTEMPTS: '9',
  });
  assert.equal(config.server.port, 7000);
  assert.equal(config.identity_mgt.account_locking.allowed_failed_attempts, 9);
});

test('an empty environment variable counts as unset', () => {
  assert.equal(load('[server]\nport = 8080\n', { GATEHOUSE_SERVER__PORT: '' }).server.port, 8080);
});

const ENV_RULE: Array<[keyPath: string[], name: string]> = [
  [['server', 'port'], 'GATEHOUSE_SERVER__PORT'],
  [['identity_mgt', 'account_locking', 'allowed_failed_attempts'], 'GATEHOUSE_IDENTITY_MGT__ACCOUNT_LOCKING__ALLOWED_FAILED_ATTEMPTS'],
  [['output_adapter', 'email', 'hostname'], 'GATEHOUSE_OUTPUT_ADAPTER__EMAIL__HOSTNAME'],
];

test('the environment name is GATEHOUSE_ + the upper-cased path with __ between levels', () => {
  for (const [keyPath, name] of ENV_RULE) assert.equal(envName(keyPath), name);
  const names = leaves().map(([keyPath]) => envName(keyPath));
  assert.equal(new Set(names).size, names.length, 'every key has its own variable');
});

const FROM_ENV: Array<{ env: Record<string, string>; path: string; value: unknown }> = [
  { env: { GATEHOUSE_IDENTITY_MGT__ACCOUNT_LOCKING__ALLOWED_FAILED_ATTEMPTS: '7' }, path: 'identity_mgt.account_locking.allowed_failed_attempts', value: 7 },
  { env: { GATEHOUSE_IDENTITY_MGT__ACCOUNT_LOCKING__ENABLE_ACCOUNT_LOCKING: 'false' }, path: 'identity_mgt.account_locking.enable_account_locking', value: false },
  { env: { GATEHOUSE_ADMIN_API__ALLOW_BASIC_AUTH: 'false' }, path: 'admin_api.allow_basic_auth', value: false },
  { env: { GATEHOUSE_SERVER__TRUST_PROXY: 'true' }, path: 'server.trust_proxy', value: true },
  { env: { GATEHOUSE_LOGGING__LEVEL: 'warn' }, path: 'logging.level', value: 'warn' },
  { env: { GATEHOUSE_SUPER_ADMIN__USERNAME: 'root' }, path: 'super_admin.username', value: 'root' },
  // Short forms.
  { env: { PORT: '1234' }, path: 'server.port', value: 1234 },
  { env: { DATABASE_URL: 'postgres://u@h/db' }, path: 'database.url', value: 'postgres://u@h/db' },
  { env: { GATEHOUSE_BASE_URL: 'https://id.example.com' }, path: 'server.base_url', value: 'https://id.example.com' },
  { env: { GATEHOUSE_DATA_DIR: '/var/lib/gatehouse' }, path: 'server.data_dir', value: '/var/lib/gatehouse' },
  { env: { GATEHOUSE_ADMIN_USERNAME: 'boss', GATEHOUSE_ADMIN_PASSWORD: 'boss-password' }, path: 'super_admin.password', value: 'boss-password' },
  { env: { GATEHOUSE_ADMIN_USERNAME: 'boss' }, path: 'super_admin.username', value: 'boss' },
  // The full name is stronger than the short form.
  { env: { PORT: '1111', GATEHOUSE_SERVER__PORT: '2222' }, path: 'server.port', value: 2222 },
  { env: { DATABASE_URL: 'postgres://short/db', GATEHOUSE_DATABASE__URL: 'postgres://full/db' }, path: 'database.url', value: 'postgres://full/db' },
];

test('each key is set by its GATEHOUSE_ variable or its short form, the full name winning', () => {
  for (const c of FROM_ENV) assert.deepEqual(get(load('', c.env), c.path), c.value, JSON.stringify(c.env));
});

test('base_url defaults to http://localhost:{port} and loses trailing slashes', () => {
  const cases: Array<[toml: string, env: Record<string, string>, expected: string]> = [
    ['', { PORT: '8081' }, 'http://localhost:8081'],
    ['[server]\nport = 9000\n', {}, 'http://localhost:9000'],
    ['', { GATEHOUSE_BASE_URL: 'https://id.example.com/' }, 'https://id.example.com'],
    ['[server]\nbase_url = "https://example.com/identity//"\n', {}, 'https://example.com/identity'],
  ];
  for (const [toml, env, expected] of cases) assert.equal(load(toml, env).server.base_url, expected, `${toml} ${JSON.stringify(env)}`);
});

const INVALID: Array<{ name: string; toml?: string; env?: Record<string, string>; problem: RegExp }> = [
  { name: 'a port that is not a number', env: { GATEHOUSE_SERVER__PORT: 'abc' }, problem: /^server\.port \(environment variable GATEHOUSE_SERVER__PORT\): must be a whole number, got "abc"$/ },
  { name: 'a short-form port that is not a number', env: { PORT: '80a' }, problem: /^server\.port \(environment variable PORT\): must be a whole number/ },
  { name: 'a port above the range', toml: '[server]\nport = 70000\n', problem: /^server\.port \(.*\.toml\): must be at most 65535, got 70000$/ },
  { name: 'a quoted number in TOML', toml: '[server]\nport = "8080"\n', problem: /^server\.port \(.*\.toml\): must be a whole number, got "8080"$/ },
  { name: 'a fractional number', toml: '[identity_mgt.account_locking]\nallowed_failed_attempts = 2.5\n', problem: /^identity_mgt\.account_locking\.allowed_failed_attempts .*whole number/ },
  { name: 'zero allowed attempts', env: { GATEHOUSE_IDENTITY_MGT__ACCOUNT_LOCKING__ALLOWED_FAILED_ATTEMPTS: '0' }, problem: /^identity_mgt\.account_locking\.allowed_failed_attempts \(environment variable .*\): must be at least 1, got 0$/ },
  { name: 'a boolean spelled yes', env: { GATEHOUSE_SERVER__TRUST_PROXY: 'yes' }, problem: /^server\.trust_proxy .*must be true or false, got "yes"$/ },
  { name: 'an unknown log level', toml: '[logging]\nlevel = "loud"\n', problem: /^logging\.level .*must be one of fatal, error, warn, info, debug, trace, silent, got "loud"$/ },
  { name: 'a string that is a number', toml: '[super_admin]\nusername = 42\n', problem: /^super_admin\.username .*must be a string, got 42$/ },
  { name: 'a base_url that is no URL', env: { GATEHOUSE_BASE_URL: 'id.example.com' }, problem: /^server\.base_url: "id\.example\.com" is not a URL$/ },
  { name: 'a base_url with another scheme', env: { GATEHOUSE_BASE_URL: 'ftp://id.example.com' }, problem: /^server\.base_url: must start with http:\/\/ or https:\/\/$/ },
  { name: 'a base_url with a query', env: { GATEHOUSE_BASE_URL: 'https://id.example.com/?x=1' }, problem: /^server\.base_url: must not have a query or fragment$/ },
  { name: 'a database of a kind Gatehouse does not speak', env: { DATABASE_URL: 'mysql://root:hunter2@127.0.0.1/gatehouse' }, problem: /^database\.url: mysql:\/\/ is not supported: use postgres:\/\/… for PostgreSQL, or leave it empty \(or give a file path or sqlite:PATH\) for SQLite$/ },
  { name: 'a Redis URL of another scheme', env: { REDIS_URL: 'http://:hunter2@cache:6379' }, problem: /^redis\.url: must start with redis:\/\/ or rediss:\/\/ \(value not shown: secret\)$/ },
  { name: 'an unknown key in a known section', toml: '[server]\nprot = 8080\n', problem: /^server\.prot \(.*\.toml\): unknown key$/ },
  { name: 'an unknown section', toml: '[servr]\nport = 8080\n', problem: /^servr \(.*\.toml\): unknown key$/ },
  { name: 'an unknown nested key', toml: '[identity_mgt.account_locking]\nallowed_failed_attempt = 3\n', problem: /^identity_mgt\.account_locking\.allowed_failed_attempt \(.*\): unknown key$/ },
  { name: 'a value where a section belongs', toml: 'server = 8080\n', problem: /^server \(.*\.toml\): must be a \[section\]$/ },
  { name: 'a TOML syntax error', toml: '[server\nport = 1\n', problem: /^config file .*\.toml: line 1, column \d+: / },
  { name: 'an encryption key that is not 32 bytes of base64', env: { GATEHOUSE_SECURITY__ENCRYPTION_KEY: 'abc' }, problem: /^security\.encryption_key: must be 32 bytes in base64, as `openssl rand -base64 32` prints \(value not shown: secret\)$/ },
  { name: 'an empty data directory', toml: '[server]\ndata_dir = ""\n', problem: /^server\.data_dir: must not be empty/ },
  { name: 'an email-code interval longer than its window', env: { GATEHOUSE_AUTHENTICATION__AUTHENTICATOR__TOTP__EMAIL_CODE__MIN_INTERVAL_SECONDS: '600', GATEHOUSE_AUTHENTICATION__AUTHENTICATOR__TOTP__EMAIL_CODE__WINDOW_SECONDS: '60' }, problem: /^authentication\.authenticator\.totp\.email_code\.min_interval_seconds: 600 is longer than window_seconds \(60\)/ },
  { name: 'an SMTP host with a port', toml: '[output_adapter.email]\nhostname = "127.0.0.1:2525"\n', problem: /^output_adapter\.email\.hostname: "127\.0\.0\.1:2525" must be a host name or IP address, without scheme or port/ },
  { name: 'a From address that is two', toml: '[output_adapter.email]\nfrom_address = "a@b.test, c@d.test"\n', problem: /^output_adapter\.email\.from_address: .* must be one email address/ },
];

test('invalid values are refused with a ConfigError naming the key and where it came from', () => {
  for (const c of INVALID) {
    const found = problems(c.toml ?? '', c.env ?? {});
    assert.equal(found.length, 1, `${c.name}: one problem, got ${JSON.stringify(found)}`);
    assert.match(found[0]!, c.problem, c.name);
    assert.ok(!found[0]!.includes('\n'), `${c.name}: one line`);
  }
});

test('a refused database URL is not echoed: it may hold a password', () => {
  const found = problems('', { DATABASE_URL: 'mysql://root:hunter2@127.0.0.1/gatehouse' });
  assert.ok(!found.join('\n').includes('hunter2'), JSON.stringify(found));
});

test('every form of database URL that the stores accept loads', () => {
  for (const url of ['', './data/other.db', 'sqlite:/var/lib/gatehouse/gatehouse.db', 'postgres://gh:pw@db:5432/gatehouse',
    'postgresql://gh@db/gatehouse?sslmode=require', 'postgres://gh@/gatehouse?host=/var/run/postgresql', 'postgres://%2Fvar%2Frun%2Fpostgresql/gatehouse']) {
    assert.equal(load('', { DATABASE_URL: url }).database.url, url);
  }
});

test('every invalid key is reported at once, not just the first', () => {
  const found = problems('[server]\nport = "x"\nbogus = 1\n', { GATEHOUSE_LOGGING__LEVEL: 'loud', GATEHOUSE_SERVER__TRUST_PROXY: 'maybe' });
  for (const key of ['server.port', 'server.bogus', 'logging.level', 'server.trust_proxy']) {
    assert.ok(found.some((p) => p.startsWith(`${key} `)), `${key} is reported in ${JSON.stringify(found)}`);
  }
});

test('a secret of the wrong type is named but its value is not echoed', () => {
  const found = problems('[super_admin]\npassword = 12345678\n[security]\nencryption_key = 987654321\n');
  assert.equal(found.length, 2);
  assert.match(found[0]!, /^super_admin\.password \(.*\.toml\): must be a string \(value not shown: secret\)$/);
  assert.match(found[1]!, /^security\.encryption_key /);
  assert.ok(!found.join('\n').includes('12345678') && !found.join('\n').includes('987654321'), found.join('\n'));
});

test('the config file comes from --config PATH, --config=PATH or GATEHOUSE_CONFIG', () => {
  assert.equal(configPath(['--config', '/etc/a.toml'], {}), '/etc/a.toml');
  assert.equal(configPath(['user', 'add', '--config=/etc/b.toml'], {}), '/etc/b.toml');
  assert.equal(configPath([], { GATEHOUSE_CONFIG: '/etc/c.toml' }), '/etc/c.toml');
  assert.equal(configPath(['--config', '/etc/a.toml'], { GATEHOUSE_CONFIG: '/etc/c.toml' }), '/etc/a.toml', 'the argument wins');
  const file = join(dir, 'via-env.toml');
  writeFileSync(file, '[server]\nport = 6000\n');
  assert.equal(loadConfig({ argv: [], env: { GATEHOUSE_CONFIG: file } }).server.port, 6000);
});

test('an encryption key in base64url, without padding or with a newline around it loads; a From address on an internal host too', () => {
  const key = Buffer.alloc(32, 0xfb);
  for (const text of [key.toString('base64url'), `${key.toString('base64')}\n`, `  ${key.toString('base64').replace(/=+$/, '')}\r\n`]) {
    assert.equal(load('', { GATEHOUSE_SECURITY__ENCRYPTION_KEY: text }).security.encryption_key, text, JSON.stringify(text));
  }
  for (const address of ['no-reply@localhost', 'gatehouse@mailhost']) {
    assert.equal(load(`[output_adapter.email]\nfrom_address = "${address}"\n`).output_adapter.email.from_address, address);
  }
});

test('--config without a path is refused, not read as "no file" (which skipped ./gatehouse.toml too)', () => {
  for (const argv of [['--config'], ['--config='], ['--config', '--help']]) {
    assert.throws(() => loadConfig({ argv, env: {} }), (err: unknown) => err instanceof ConfigError && /^--config needs the path of a TOML file/.test(err.problems[0]!), argv.join(' '));
  }
});

test('a missing config file is a ConfigError naming the file', () => {
  assert.throws(() => loadConfig({ argv: ['--config', join(dir, 'nope.toml')], env: {} }),
    (err: unknown) => err instanceof ConfigError && /^config file .*nope\.toml: /.test(err.problems[0]!));
});

test('the loaded configuration is frozen', () => {
  const config = load();
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server) && Object.isFrozen(config.identity_mgt.account_locking));
  assert.throws(() => { (config.server as { port: number }).port = 1; }, TypeError);
});
