// /api/server/v1/notification-senders/email — WSO2's per-tenant email sender API — plus a
// test send for the console's "Send test email" button and the development outbox.
// Scopes are WSO2's configuration-management ones. Reading the outbox needs the update
// scope, not view: it holds users' live sign-in codes, and whoever may change the sender
// could route those mails to themselves anyway.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { requireScope, type Caller } from '../access/caller.js';
import { badRequest } from '../errors.js';
import { createSender, getSender, listSenders, removeSender, replaceSender } from './email-sender.service.js';
import { clearOutbox, listOutbox } from './email-outbox.repository.js';
import { findEmailSender } from './email-sender.repository.js';
import { serverSmtpSettings } from './smtp-settings.js';
import { isMailbox } from './email-address.js';
import { sendEmail } from './mailer.js';
import { closeTransports } from './transports.js';
import { SENDER_NAME, type EmailSenderView } from './email-sender.js';
import { recordAudit } from '../audit/audit.service.js';
import { callerActor, changes, requestOrigin, toAuditValue, type AuditDetails, type AuditEventType } from '../audit/audit-event.js';

const PREFIX = '/api/server/v1/notification-senders/email';

export const EMAIL_SENDER_SCOPES = {
  view: 'internal_config_mgt_view',
  add: 'internal_config_mgt_add',
  update: 'internal_config_mgt_update',
  delete: 'internal_config_mgt_delete',
} as const;

function actorOf(caller: { kind: string; subject: string; username?: string }) {
  return { kind: caller.kind, id: caller.subject, ...(caller.username ? { username: caller.username } : {}) };
}

/** The sender as the audit log shows it: the API view, which has passwordSet and never the password. */
const auditView = (view: EmailSenderView | undefined) => (view ? { ...view, properties: toAuditValue(view.properties) } : undefined);

/** A new password was stored, or the stored one dropped: said as a yes/no, never shown. */
function passwordChanged(body: unknown, before: EmailSenderView | undefined, after: EmailSenderView | undefined): boolean {
  const sent = (body as { password?: unknown } | null | undefined)?.password;
  return (typeof sent === 'string' && sent !== '') || Boolean(before?.passwordSet) !== Boolean(after?.passwordSet);
}

function audit(deps: Deps, request: FastifyRequest, caller: Caller, type: AuditEventType, details: AuditDetails): Promise<void> {
  return recordAudit(deps, { tenantId: request.tenant!.id, type, actor: callerActor(caller), origin: requestOrigin(request), details });
}

export function emailSenderRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    // Pooled SMTP connections end with the server.
    app.addHook('onClose', async () => closeTransports(deps));

    app.get(PREFIX, async (request) => {
      requireScope(request, EMAIL_SENDER_SCOPES.view);
      return listSenders(deps, request.tenant!.id);
    });

    app.post<{ Body: unknown }>(PREFIX, async (request, reply) => {
      const caller = requireScope(request, EMAIL_SENDER_SCOPES.add);
      const created = await createSender(deps, request.tenant!.id, request.body);
      deps.logger.info({ event: 'email_sender_created', tenantId: request.tenant!.id, actor: actorOf(caller), host: created.smtpServerHost, port: created.smtpPort }, 'an administrator set the tenant\'s email sender');
      await audit(deps, request, caller, 'email_sender_created', { after: auditView(created), passwordChanged: passwordChanged(request.body, undefined, created) });
      return reply.code(201).header('location', `${request.tenant!.baseUrl}${PREFIX}/${SENDER_NAME}`).send(created);
    });

    // Fastify matches static segments before :name, so "outbox" and "test" never reach the sender routes.
    app.get<{ Querystring: { to?: string; limit?: string } }>(`${PREFIX}/outbox`, async (request) => {
      requireScope(request, EMAIL_SENDER_SCOPES.update);
      const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be a whole number from 1 to 1000');
      const email = deps.config.output_adapter.email;
      const rows = await listOutbox(deps.store.db, request.tenant!.id, { ...(request.query.to ? { to: request.query.to } : {}), limit }, {
        maxMessages: email.outbox_max_messages, retentionMs: email.outbox_retention_minutes * 60_000, nowMs: deps.clock.now().getTime(),
      });
      // Where this tenant's mail goes now: the console shows the outbox only while it is used.
      const delivery = await findEmailSender(deps.store.db, request.tenant!.id) ? 'tenant' : serverSmtpSettings(deps.config) ? 'server' : 'outbox';
      return {
        delivery,
        count: rows.length,
        messages: rows.map((row) => ({
          id: row.id,
          to: row.to_address,
          from: row.from_address,
          subject: row.subject,
          text: row.text_body,
          html: row.html_body,
          createdAt: new Date(row.created_at_ms).toISOString(),
        })),
      };
    });

    app.delete(`${PREFIX}/outbox`, async (request, reply) => {
      requireScope(request, EMAIL_SENDER_SCOPES.delete);
      await clearOutbox(deps.store.db, request.tenant!.id);
      return reply.code(204).send();
    });

    app.post<{ Body: { to?: unknown } | undefined }>(`${PREFIX}/test`, {
      // Anyone with the scope could otherwise use the server's SMTP account to mail any address.
      config: { rateLimit: { max: 20, timeWindow: 60_000 } },
    }, async (request) => {
      const caller = requireScope(request, EMAIL_SENDER_SCOPES.update);
      const to = request.body?.to;
      if (!isMailbox(to)) throw badRequest('to must be one email address');
      const tenant = request.tenant!;
      const result = await sendEmail(deps, tenant.id, {
        to,
        subject: 'Gatehouse test email',
        text: `This is a test email from Gatehouse for the tenant ${tenant.domain}, sent by an administrator to check the email settings. No action is needed.\n`,
      });
      deps.logger.info({ event: 'email_test_sent', tenantId: tenant.id, actor: actorOf(caller), ok: result.ok, delivery: result.delivery }, 'an administrator sent a test email');
      return result;
    });

    app.get<{ Params: { name: string } }>(`${PREFIX}/:name`, async (request) => {
      requireScope(request, EMAIL_SENDER_SCOPES.view);
      return getSender(deps, request.tenant!.id, request.params.name);
    });

    app.put<{ Params: { name: string }; Body: unknown }>(`${PREFIX}/:name`, async (request) => {
      const caller = requireScope(request, EMAIL_SENDER_SCOPES.update);
      const [before] = await listSenders(deps, request.tenant!.id);
      const updated = await replaceSender(deps, request.tenant!.id, request.params.name, request.body);
      deps.logger.info({ event: 'email_sender_updated', tenantId: request.tenant!.id, actor: actorOf(caller), host: updated.smtpServerHost, port: updated.smtpPort }, 'an administrator changed the tenant\'s email sender');
      await audit(deps, request, caller, 'email_sender_updated', { ...changes(auditView(before), auditView(updated)), passwordChanged: passwordChanged(request.body, before, updated) });
      return updated;
    });

    app.delete<{ Params: { name: string } }>(`${PREFIX}/:name`, async (request, reply) => {
      const caller = requireScope(request, EMAIL_SENDER_SCOPES.delete);
      const [before] = await listSenders(deps, request.tenant!.id);
      await removeSender(deps, request.tenant!.id, request.params.name);
      deps.logger.info({ event: 'email_sender_deleted', tenantId: request.tenant!.id, actor: actorOf(caller) }, 'an administrator removed the tenant\'s email sender');
      await audit(deps, request, caller, 'email_sender_deleted', { before: auditView(before) });
      return reply.code(204).send();
    });
  };
}
