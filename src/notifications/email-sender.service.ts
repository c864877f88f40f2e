// A tenant's email sender: create, replace, delete, with the host checked before it is saved
// (and again on every send, in mailer.ts).
import type { Deps } from '../deps.js';
import { conflict, badRequest, notFound } from '../errors.js';
import { epochSeconds } from '../clock.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { deleteEmailSender, findEmailSender, insertEmailSender, replaceEmailSender } from './email-sender.repository.js';
import { parseSenderInput, toSenderView, SENDER_NAME, type EmailSenderView, type SenderInput } from './email-sender.js';
import { checkSmtpHost } from './host-check.js';
import { transportsOf } from './transports.js';

const missing = () => notFound(`this tenant has no email sender named ${SENDER_NAME}: mail goes through the server-wide SMTP settings or the development outbox`);

export async function listSenders(deps: Deps, tenantId: string): Promise<EmailSenderView[]> {
  const row = await findEmailSender(deps.store.db, tenantId);
  return row ? [toSenderView(row)] : [];
}

export async function getSender(deps: Deps, tenantId: string, name: string): Promise<EmailSenderView> {
  const row = name === SENDER_NAME ? await findEmailSender(deps.store.db, tenantId) : undefined;
  if (!row) throw missing();
  return toSenderView(row);
}

async function checkHost(deps: Deps, tenantId: string, input: SenderInput): Promise<void> {
  const email = deps.config.output_adapter.email;
  const check = await checkSmtpHost(input.host, email.allow_private_hosts, email.timeout_seconds * 1000);
  if (!check.ok) {
    if (check.addresses) deps.logger.warn({ event: 'email_sender_refused', tenantId, host: input.host, addresses: check.addresses }, 'a tenant\'s SMTP host resolves to an internal address');
    throw badRequest(`invalid email sender: ${check.message}`, { problems: [check.message] });
  }
}

export async function createSender(deps: Deps, tenantId: string, body: unknown): Promise<EmailSenderView> {
  const input = parseSenderInput(body);
  if (await findEmailSender(deps.store.db, tenantId)) throw conflict(`this tenant already has the email sender ${SENDER_NAME}: change it with PUT or delete it first`);
  await checkHost(deps, tenantId, input);
  const now = epochSeconds(deps.clock);
  const row = {
    tenant_id: tenantId,
    name: SENDER_NAME,
    smtp_host: input.host,
    smtp_port: input.port,
    from_address: input.fromAddress,
    username: input.username,
    password: input.password !== undefined ? deps.secrets.seal(input.password) : null,
    properties: JSON.stringify(input.properties),
    created_at: now,
    updated_at: now,
  };
  try {
    await insertEmailSender(deps.store.db, row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`this tenant already has the email sender ${SENDER_NAME}: change it with PUT or delete it first`);
    throw err;
  }
  transportsOf(deps).drop(tenantId);
  return toSenderView(row);
}

export async function replaceSender(deps: Deps, tenantId: string, name: string, body: unknown): Promise<EmailSenderView> {
  const existing = name === SENDER_NAME ? await findEmailSender(deps.store.db, tenantId) : undefined;
  if (!existing) throw missing();
  const input = parseSenderInput(body, existing);
  await checkHost(deps, tenantId, input);
  const password = input.password !== undefined ? deps.secrets.seal(input.password) : input.keepStoredPassword ? existing.password : null;
  const row = {
    name: SENDER_NAME,
    smtp_host: input.host,
    smtp_port: input.port,
    from_address: input.fromAddress,
    username: input.username,
    password,
    properties: JSON.stringify(input.properties),
    updated_at: epochSeconds(deps.clock),
  };
  if (!(await replaceEmailSender(deps.store.db, tenantId, row))) throw missing();
  transportsOf(deps).drop(tenantId);
  return toSenderView({ ...existing, ...row });
}

export async function removeSender(deps: Deps, tenantId: string, name: string): Promise<void> {
  if (name !== SENDER_NAME || !(await deleteEmailSender(deps.store.db, tenantId))) throw missing();
  transportsOf(deps).drop(tenantId);
}
