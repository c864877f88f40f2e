// gatehouse app register: registers an OIDC application through the same service as
// POST /api/server/v1/applications, and prints its client credentials.
import { registerApplication } from '../applications/application.service.js';
import { requireTenant } from '../tenants/tenant.service.js';
import { DEFAULT_TENANT } from '../tenants/tenant.js';
import { GRANT_TYPES } from '../applications/application.js';
import { TENANT_HELP, TENANT_OPTION, type Command } from './command.js';
import { UsageError } from './output.js';

export const appRegister: Command = {
  words: 'app register',
  positionals: ['<name>'],
  summary: 'Register an OpenID Connect application and print its client id and secret.',
  optionHelp: [
    '--callback URL         redirect URI (repeat for several; needed for authorization_code)',
    '--public               public client (no secret, PKCE required), e.g. a SPA or mobile app',
    `--grant G              grant type (repeat; ${GRANT_TYPES.join(', ')};`,
    '                       default authorization_code and refresh_token)',
    '--description TEXT     description',
    TENANT_HELP,
  ],
  options: {
    callback: { type: 'string', multiple: true },
    public: { type: 'boolean' },
    grant: { type: 'string', multiple: true },
    description: { type: 'string' },
    ...TENANT_OPTION,
  },
  check(_values, positionals) {
    if (positionals.length !== 1) throw new UsageError('app register needs exactly one <name> (quote it if it has spaces)');
  },
  async run(ctx, values, positionals, out) {
    const tenant = await requireTenant(ctx.deps, (values.tenant as string | undefined) ?? DEFAULT_TENANT);
    const oidc: Record<string, unknown> = {
      callbackURLs: (values.callback as string[] | undefined) ?? [],
      publicClient: values.public === true,
    };
    if (values.grant) oidc.grantTypes = values.grant;
    const app = await registerApplication(ctx.deps, tenant.id, {
      name: positionals[0],
      ...(values.description !== undefined ? { description: values.description } : {}),
      inboundProtocolConfiguration: { oidc },
    });
    out.print(`Registered application "${app.name}" in tenant ${tenant.domain}`);
    out.print(`  id:            ${app.id}`);
    out.print(`  client id:     ${app.clientId}`);
    out.print(`  client secret: ${app.clientSecret ?? '(none: public client, use PKCE)'}`);
    out.print(`  grant types:   ${app.oidc.grantTypes.join(', ')}`);
    if (app.oidc.callbackURLs.length) out.print(`  callbacks:     ${app.oidc.callbackURLs.join(', ')}`);
    out.print(`  issuer:        ${tenant.issuer}`);
    out.print(`  discovery:     ${tenant.issuer}/.well-known/openid-configuration`);
  },
};
