// The password of `user add` and `user set-password`: from --password, from standard
// input (--password-stdin), or asked twice on a terminal without echo; checked against the
// policy before the store is opened.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { passwordPolicyProblem } from '../users/password.js';
import type { OptionValues } from './command.js';
import { UsageError } from './output.js';

export const PASSWORD_OPTIONS = {
  password: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

export const PASSWORD_HELP = [
  '--password P           the password (visible in the process list; prefer --password-stdin)',
  '--password-stdin       read the password from standard input',
  '                       (neither: asked for on a terminal)',
];

/** The password the options give, or a usage error (both sources, none, or one the policy refuses). */
export async function readPassword(values: OptionValues, username: string): Promise<string> {
  if (values.password !== undefined && values['password-stdin']) throw new UsageError('give either --password or --password-stdin, not both');
  const password = await passwordFrom(values);
  // The policy is checked again by the service; checking here fails before touching the store.
  const problem = passwordPolicyProblem(password, username);
  if (problem) throw new UsageError(problem);
  return password;
}

async function passwordFrom(values: OptionValues): Promise<string> {
  if (typeof values.password === 'string') return values.password;
  if (values['password-stdin']) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    // One trailing newline belongs to `echo`, not to the password.
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY) throw new UsageError('no password: give --password P or --password-stdin');
  const first = await askHidden('Password: ');
  const again = await askHidden('Repeat password: ');
  if (first !== again) throw new UsageError('the passwords do not match');
  return first;
}

/** Reads one line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      rl.close();
      process.stderr.write('\n');
      resolve(line);
    });
  });
}
