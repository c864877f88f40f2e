// gatehouse user add: creates a user through the same service as SCIM POST /scim2/Users.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { createUser } from '../users/user.service.js';
import { passwordPolicyProblem } from '../users/password.js';
import { requireTenant } from '../tenants/tenant.service.js';
import { ADMIN_ROLE, type UserClaims } from '../users/user.js';
import { DEFAULT_TENANT } from '../tenants/tenant.js';
import { TENANT_HELP, TENANT_OPTION, type Command, type OptionValues } from './command.js';
import { UsageError } from './output.js';

export const userAdd: Command = {
  words: 'user add',
  positionals: ['<username>'],
  summary: 'Create a user (an administrator with --admin).',
  optionHelp: [
    '--password P           the password (visible in the process list; prefer --password-stdin)',
    '--password-stdin       read the password from standard input',
    '                       (neither: asked for on a terminal)',
    '--email E              email claim',
    '--given-name G         given_name claim',
    '--family-name F        family_name claim',
    '--admin                give the user the admin role (admin API, SCIM)',
    TENANT_HELP,
  ],
  options: {
    password: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    email: { type: 'string' },
    'given-name': { type: 'string' },
    'family-name': { type: 'string' },
    admin: { type: 'boolean' },
    ...TENANT_OPTION,
  },
  async check(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('user add needs exactly one <username>');
    if (values.password !== undefined && values['password-stdin']) throw new UsageError('give either --password or --password-stdin, not both');
    values.password = await passwordFrom(values);
    // The policy is checked again by the service; checking here fails before touching the store.
    const problem = passwordPolicyProblem(values.password, positionals[0]!);
    if (problem) throw new UsageError(problem);
  },
  async run(ctx, values, positionals, out) {
    const tenant = await requireTenant(ctx.deps, (values.tenant as string | undefined) ?? DEFAULT_TENANT);
    const claims: UserClaims = {};
    if (values.email !== undefined) claims.email = values.email as string;
    if (values['given-name'] !== undefined) claims.given_name = values['given-name'] as string;
    if (values['family-name'] !== undefined) claims.family_name = values['family-name'] as string;
    const user = await createUser(ctx.deps, tenant.id, {
      username: positionals[0]!,
      password: values.password as string,
      claims,
      roles: values.admin ? [ADMIN_ROLE] : [],
    });
    out.print(`Created user "${user.username}" in tenant ${tenant.domain}${values.admin ? ' with the admin role' : ''}`);
    out.print(`  id: ${user.id}`);
  },
};

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
