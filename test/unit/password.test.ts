// Passwords: the policy's messages, argon2id with OWASP's parameters, and verification
// that costs the same whether or not the user exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { hashPassword, verifyPassword, passwordPolicyProblem, generatePassword, ARGON2_OPTIONS } from '../../src/users/password.js';

const POLICY: Array<{ password: unknown; username: string; problem: string | undefined }> = [
  { password: 'seven77', username: 'alice', problem: 'password must be at least 8 characters long' },
  { password: '', username: 'alice', problem: 'password must be at least 8 characters long' },
  { password: 'eight888', username: 'alice', problem: undefined },
  { password: 'x'.repeat(256), username: 'alice', problem: undefined },
  { password: 'x'.repeat(257), username: 'alice', problem: 'password must be at most 256 characters long' },
  // Length counts characters, not UTF-16 units: four emoji are four characters.
  { password: '🔑🔑🔑🔑', username: 'alice', problem: 'password must be at least 8 characters long' },
  { password: '🔑'.repeat(8), username: 'alice', problem: undefined },
  { password: 'alice.smith', username: 'alice.smith', problem: 'password must not be the same as the username' },
  { password: 'Alice.Smith', username: 'alice.smith', problem: 'password must not be the same as the username' },
  { password: 'alice.smith1', username: 'alice.smith', problem: undefined },
  { password: 12345678, username: 'alice', problem: 'password must be a string' },
  { password: undefined, username: 'alice', problem: 'password must be a string' },
];

test('the policy answers with a sentence a person understands, or nothing when acceptable', () => {
  for (const c of POLICY) assert.equal(passwordPolicyProblem(c.password, c.username), c.problem, `${String(c.password).slice(0, 20)} / ${c.username}`);
});

test('hashes are argon2id PHC strings with m=19456, t=2, p=1 and a random salt', async () => {
  const [a, b] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
  assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.ok(!a.includes('correct horse'));
  assert.deepEqual({ ...ARGON2_OPTIONS }, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
});

test('verifyPassword accepts the password and refuses anything else without throwing', async () => {
  const stored = await hashPassword('correct horse battery');
  assert.equal(await verifyPassword(stored, 'correct horse battery'), true);
  assert.equal(await verifyPassword(stored, 'correct horse batter'), false);
  assert.equal(await verifyPassword(stored, 'Correct horse battery'), false);
  assert.equal(await verifyPassword(stored, ''), false);
  assert.equal(await verifyPassword('$argon2id$v=19$broken', 'x'), false, 'a corrupt hash is a refusal');
  assert.equal(await verifyPassword(null, 'correct horse battery'), false, 'no hash (unknown user, or no password set)');
  assert.equal(await verifyPassword(undefined, ''), false);
});

test('a user without a hash costs about as much time as a wrong password', async () => {
  const stored = await hashPassword('correct horse battery');
  await verifyPassword(null, 'warm-up'); // the dummy hash is made once
  const median = async (fn: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await fn();
      times.push(performance.now() - start);
    }
    return times.sort((x, y) => x - y)[2]!;
  };
  const wrong = await median(() => verifyPassword(stored, 'wrong password'));
  const unknown = await median(() => verifyPassword(null, 'wrong password'));
  // Without the dummy verification the unknown case would take microseconds, not milliseconds.
  assert.ok(unknown > wrong * 0.3, `unknown user ${unknown.toFixed(1)} ms vs wrong password ${wrong.toFixed(1)} ms`);
});

test('generated passwords are long, random and pass the policy', () => {
  const passwords = Array.from({ length: 20 }, () => generatePassword());
  assert.equal(new Set(passwords).size, 20);
  for (const p of passwords) {
    assert.match(p, /^[A-Za-z0-9_-]{24}$/, '18 random bytes, base64url');
    assert.equal(passwordPolicyProblem(p, 'admin'), undefined);
  }
});
