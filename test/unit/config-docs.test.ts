// docs/configuration.md is generated from the config schema; these tests keep it from
// drifting and check that the environment variables it documents really set their keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigDocs, CONFIG_DOCS_PATH } from '../../scripts/gen-config-docs.js';
import { leaves, type Leaf } from '../../src/config/schema.js';
import { envName, SHORT_ENV } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';

test('docs/configuration.md is exactly what the generator renders from the schema', () => {
  const committed = readFileSync(CONFIG_DOCS_PATH, 'utf8');
  assert.ok(committed === renderConfigDocs(), 'docs/configuration.md is out of date: run `npm run docs:config` and commit the result');
});

test('the reference lists every configuration key with its environment variable', () => {
  const doc = renderConfigDocs();
  for (const [keyPath] of leaves()) {
    const section = `## [${keyPath.slice(0, -1).join('.')}]`;
    const at = doc.indexOf(section);
    assert.ok(at >= 0, `section ${section} missing`);
    const row = doc.slice(at).split('\n').find((line) => line.startsWith(`| \`${keyPath.at(-1)}\` |`));
    assert.ok(row, `${keyPath.join('.')} has no row`);
    assert.ok(row.includes(`\`${envName(keyPath)}\``), `${keyPath.join('.')} row lacks ${envName(keyPath)}`);
  }
});

/** A valid value different from the default, as the environment would spell it. */
function otherValue(keyPath: string[], leaf: Leaf): [raw: string, parsed: unknown] {
  if (keyPath.join('.') === 'server.base_url') return ['https://id.example.com', 'https://id.example.com'];
  if (keyPath.join('.') === 'redis.url') return ['redis://cache.example.com:6379', 'redis://cache.example.com:6379'];
  // Keys whose values are checked beyond their type: a value that passes.
  const valid: Record<string, string> = {
    'security.encryption_key': Buffer.alloc(32, 1).toString('base64'),
    'output_adapter.email.from_address': 'no-reply@example.com',
    'output_adapter.email.hostname': 'smtp.example.com',
  };
  const known = valid[keyPath.join('.')];
  if (known) return [known, known];
  switch (leaf.type) {
    case 'boolean': return [String(!leaf.default), !leaf.default];
    case 'integer': {
      if (leaf.oneOf) {
        const other = leaf.oneOf.find((v) => v !== String(leaf.default))!;
        return [other, Number(other)];
      }
      const value = (leaf.default as number) + 1 <= (leaf.max ?? Infinity) ? (leaf.default as number) + 1 : (leaf.default as number) - 1;
      return [String(value), value];
    }
    case 'string[]': return ['a, b', ['a', 'b']];
    default: {
      const value = leaf.oneOf ? leaf.oneOf.find((v) => v !== leaf.default)! : 'documented-value';
      return [value, value];
    }
  }
}

const dig = (config: unknown, keyPath: string[]): unknown =>
  keyPath.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);

test('every documented environment variable, full name or short form, sets its key', () => {
  for (const [keyPath, leaf] of leaves()) {
    const [raw, parsed] = otherValue(keyPath, leaf);
    for (const name of [envName(keyPath), ...(SHORT_ENV[keyPath.join('.')] ?? [])]) {
      const config = loadConfig({ argv: [], env: { [name]: raw } });
      assert.deepEqual(dig(config, keyPath), parsed, `${name}=${raw} did not set ${keyPath.join('.')}`);
    }
  }
});
