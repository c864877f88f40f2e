// The email template types this server sends. A later feature adds its type here (one
// object in its own *.email-type.ts file) and nothing else.
import { TOTP_EMAIL } from './totp.email-type.js';
import { templateTypeId, type EmailTemplateType } from './template-type.js';

export const EMAIL_TEMPLATE_TYPES: readonly EmailTemplateType[] = [TOTP_EMAIL];

const byId = new Map(EMAIL_TEMPLATE_TYPES.map((type) => [templateTypeId(type.name), type]));
const byName = new Map(EMAIL_TEMPLATE_TYPES.map((type) => [type.name, type]));

export const findTemplateTypeById = (id: string): EmailTemplateType | undefined => byId.get(id);
export const findTemplateTypeByName = (name: string): EmailTemplateType | undefined => byName.get(name);
