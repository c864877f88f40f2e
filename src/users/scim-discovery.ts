// SCIM's self-description (RFC 7644 §4, RFC 7643 §5–7): what this server supports and the
// User schema as Gatehouse keeps it. Provisioning clients (Entra ID, Okta, WSO2 outbound
// provisioning) read these to decide which operations and attributes to send, so each
// entry says what is really implemented: PATCH and ETags yes, bulk and sort no, one filter.
import { USER_SCHEMA, LIST_SCHEMA } from './scim.js';

const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const MAX_RESULTS = 1000;

export function serviceProviderConfig(scimBase: string, basicAllowed: boolean) {
  return {
    schemas: [SPC_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    // Only userName eq "…" (see parseUserFilter); supported, so clients look users up by it.
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: true },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'An access token with the internal_user_mgt_* scopes, issued to a management application (client credentials) or an administrator.',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
      ...(basicAllowed ? [{
        type: 'httpbasic',
        name: 'HTTP Basic',
        description: 'An administrator\'s username and password.',
        specUri: 'https://www.rfc-editor.org/rfc/rfc7617',
        primary: false,
      }] : []),
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${scimBase}/ServiceProviderConfig` },
  };
}

export function userResourceType(scimBase: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: USER_SCHEMA,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${scimBase}/ResourceTypes/User` },
  };
}

type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

interface AttributeOptions {
  type?: 'string' | 'boolean' | 'complex' | 'reference';
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: Mutability;
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  subAttributes?: Attribute[];
}

/** An attribute definition (RFC 7643 §7). */
type Attribute = Record<string, string | boolean | string[] | Attribute[]>;

function attribute(name: string, description: string, o: AttributeOptions = {}): Attribute {
  return {
    name,
    type: o.type ?? 'string',
    multiValued: o.multiValued ?? false,
    description,
    required: o.required ?? false,
    ...(o.type === 'boolean' || o.type === 'complex' ? {} : { caseExact: o.caseExact ?? false }),
    mutability: o.mutability ?? 'readWrite',
    returned: o.returned ?? 'default',
    ...(o.type === 'boolean' || o.type === 'complex' ? {} : { uniqueness: o.uniqueness ?? 'none' }),
    ...(o.canonicalValues ? { canonicalValues: o.canonicalValues } : {}),
    ...(o.subAttributes ? { subAttributes: o.subAttributes } : {}),
  };
}

/** The User schema (RFC 7643 §4.1) cut to the attributes Gatehouse keeps; others are ignored. */
export function userSchema(scimBase: string) {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: USER_SCHEMA,
    name: 'User',
    description: 'User Account',
    attributes: [
      // Usernames are compared as typed (two users may differ only in case).
      attribute('userName', 'Unique identifier for the user, used to sign in.', { required: true, caseExact: true, uniqueness: 'server' }),
      attribute('name', 'The components of the user\'s name.', {
        type: 'complex',
        subAttributes: [
          attribute('formatted', 'The full name, for display (the name claim).'),
          attribute('familyName', 'The family name (the family_name claim).'),
          attribute('givenName', 'The given name (the given_name claim).'),
        ],
      }),
      attribute('locale', 'The user\'s default location for language and formats, e.g. en-US (the locale claim; also picks the email template locale).'),
      attribute('active', 'False for a disabled account: it cannot sign in, and its tokens stop working.', { type: 'boolean' }),
      attribute('password', 'The user\'s password (argon2id-hashed; never returned).', { mutability: 'writeOnly', returned: 'never' }),
      attribute('emails', 'Email addresses; one is kept (the primary, or the first), reported as type work.', {
        type: 'complex',
        multiValued: true,
        subAttributes: [
          attribute('value', 'The email address (the email claim).'),
          attribute('type', 'The address\'s kind.', { canonicalValues: ['work', 'home', 'other'] }),
          attribute('primary', 'Whether this is the primary address.', { type: 'boolean' }),
        ],
      }),
      attribute('roles', 'Roles of the user; "admin" makes an administrator of the tenant.', {
        type: 'complex',
        multiValued: true,
        subAttributes: [attribute('value', 'The role\'s name.')],
      }),
    ],
    meta: { resourceType: 'Schema', location: `${scimBase}/Schemas/${USER_SCHEMA}` },
  };
}

/** A ListResponse of every resource (discovery lists are complete; no paging). */
export function listOf<T>(resources: T[]) {
  return { schemas: [LIST_SCHEMA], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}
