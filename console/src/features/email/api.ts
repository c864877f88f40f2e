// Email through the admin API: the tenant's SMTP sender (WSO2's notification-senders/email,
// one sender named EmailPublisher), a test send, the development outbox, and the email
// templates by type and locale with the server's preview.
import { api } from '../../api/client';
// Types of the server's answers come from the server's source (type-only: erased from the
// bundle), so a change there shows up in the console's typecheck.
import type { EmailSenderView, Property } from '../../../../src/notifications/email-sender.js';

const SENDERS = '/notification-senders/email';
export const SENDER_NAME = 'EmailPublisher';

export type SenderProperty = Property;

/** The password is write-only: the API only says whether one is stored. */
export type Sender = EmailSenderView;

export interface SenderInput {
  name: string;
  smtpServerHost: string;
  smtpPort: number;
  fromAddress: string;
  userName: string;
  /** Empty: keep the stored password. */
  password?: string;
  properties: SenderProperty[];
}

export type Delivery = 'tenant' | 'server' | 'outbox';

export type SendResult =
  | { ok: true; delivery: Delivery; messageId: string; smtpResponse?: string }
  | { ok: false; delivery: Delivery; reason: string; message: string; smtpResponse?: string };

export interface OutboxMessage {
  id: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string | null;
  createdAt: string;
}

export interface Outbox {
  /** Where this tenant's mail goes now; the outbox is used only for 'outbox'. */
  delivery: Delivery;
  count: number;
  messages: OutboxMessage[];
}

const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

export const listSenders = (signal?: AbortSignal) => api.get<Sender[]>(SENDERS, opts(signal));
export const createSender = (body: SenderInput) => api.post<Sender>(SENDERS, body);
export const replaceSender = (body: SenderInput) => api.put<Sender>(`${SENDERS}/${SENDER_NAME}`, body);
export const deleteSender = () => api.delete(`${SENDERS}/${SENDER_NAME}`);
export const sendTestEmail = (to: string) => api.post<SendResult>(`${SENDERS}/test`, { to });
export const getOutbox = (signal?: AbortSignal) => api.get<Outbox>(`${SENDERS}/outbox`, { query: { limit: 50 }, ...opts(signal) });
export const clearOutbox = () => api.delete(`${SENDERS}/outbox`);

// Templates

const TYPES = '/email/template-types';

export interface TemplateTypeItem { id: string; displayName: string }

export interface Template {
  /** The locale, e.g. en_US. */
  id: string;
  contentType: string;
  subject: string;
  body: string;
  footer: string;
  /** 'default': shipped with the server; 'tenant': this organization's. */
  source: 'tenant' | 'default';
}

export interface TemplateType extends TemplateTypeItem {
  description: string;
  placeholders: Array<{ name: string; description: string }>;
  templates: Template[];
}

export type TemplateContent = Pick<Template, 'contentType' | 'subject' | 'body' | 'footer'>;

export interface Preview {
  subject: string;
  html?: string;
  text: string;
  locale: string;
  warnings: string[];
}

const typePath = (typeId: string) => `${TYPES}/${encodeURIComponent(typeId)}`;

export const listTemplateTypes = (signal?: AbortSignal) => api.get<TemplateTypeItem[]>(TYPES, opts(signal));
export const getTemplateType = (typeId: string, signal?: AbortSignal) => api.get<TemplateType>(typePath(typeId), opts(signal));
export const addTemplate = (typeId: string, locale: string, content: TemplateContent) =>
  api.post<Template>(`${typePath(typeId)}/templates`, { id: locale, ...content });
export const replaceTemplate = (typeId: string, locale: string, content: TemplateContent) =>
  api.put<Template>(`${typePath(typeId)}/templates/${encodeURIComponent(locale)}`, { id: locale, ...content });
export const deleteTemplate = (typeId: string, locale: string) => api.delete(`${typePath(typeId)}/templates/${encodeURIComponent(locale)}`);
export const previewTemplate = (typeId: string, locale: string, content: TemplateContent, signal?: AbortSignal) =>
  api.post<Preview>(`${typePath(typeId)}/preview`, { id: locale, ...content }, opts(signal));
