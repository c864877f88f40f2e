// The "TOTP" email: a sign-in code sent to a user who does not have their authenticator app.
import type { EmailTemplateType } from './template-type.js';

// Inline styles only: most mail clients drop <style> blocks.
const BODY = `<p>Hi {{user-name}},</p>
<p>Use this code to finish signing in:</p>
<p style="font-size:28px;font-weight:bold;letter-spacing:6px;font-family:monospace">{{token}}</p>
<p>The code works once and expires in a few minutes.</p>
<p>If you did not try to sign in, someone else may know your password: change it and tell your administrator.</p>`;

const FOOTER = '<p style="color:#666666;font-size:12px">Sent by {{organization-name}}.</p>';

export const TOTP_EMAIL: EmailTemplateType = {
  name: 'TOTP',
  description: 'A one-time sign-in code for a user who asked for it by email on the TOTP page.',
  placeholders: { token: 'the one-time code the user types on the sign-in page' },
  requiredInBody: ['token'],
  defaults: {
    en_US: {
      contentType: 'text/html; charset=UTF-8',
      subject: 'Here is your time-based one-time passcode (TOTP)',
      body: BODY,
      footer: FOOTER,
    },
  },
  sample: { token: '482913' },
};
