/**
 * Examples for the OpenAPI document, keyed by operationId, taken from the seeds
 * (VoIPbin's extension and domain API, Telphin's registration API) and the registrar
 * protocol (docs/registrar-protocol.md), adapted to this API's
 * schemas. test/openapiExamples.test.ts parses every example with its route's schemas, so an
 * example that drifts from a schema fails the build. An operationId that is not (yet)
 * in the route table is ignored.
 */
import type { ErrorStatus } from '../errors.js';

export interface OperationExample {
  /** Path parameter examples by name. */
  params?: Record<string, string>;
  /** Query parameter examples by name (an array for a repeated parameter). */
  query?: Record<string, unknown>;
  /** The JSON request body. */
  request?: unknown;
  /** The JSON success body, for the status `responseStatus` (default 200). */
  response?: unknown;
  responseStatus?: number;
}

const CUSTOMER_ID = '5e4a0680-804e-11ec-8477-2fea5968d85b';
const DOMAIN_ID = 'cc6a05eb-33a4-444b-bf8a-359de7d95499';
const EXTENSION_ID = '6a7934ff-0e1c-4857-857b-23c9e27d267b';
const OTHER_EXTENSION_ID = '0e7f8158-c770-4930-a98e-f2165b189c1f';
const REALM = 'acme.sip.example.com';

const domain = {
  id: DOMAIN_ID,
  customer_id: CUSTOMER_ID,
  domain_name: 'acme',
  realm: REALM,
  name: 'test domain',
  detail: 'test domain creation',
  tm_create: '2021-02-18 12:40:11.120457',
  tm_update: '',
  tm_delete: '',
};

const extension = {
  id: EXTENSION_ID,
  customer_id: CUSTOMER_ID,
  name: 'test domain',
  detail: 'test domain creation',
  domain_id: DOMAIN_ID,
  extension: 'test12',
  username: 'test12',
  domain_name: REALM,
  password: '27a4d0f2-757c-11eb-bc8f-4f045857b89c',
  direct_hash: 'f7e8d9c0b1a2',
  tm_create: '2021-02-23 02:09:39.701458',
  tm_update: '',
  tm_delete: '',
};

const updatedExtension = {
  ...extension,
  name: 'update test extension name',
  detail: 'update test extension detail',
  password: '5316382a-757c-11eb-9348-bb32547e99c4',
  tm_update: '2021-02-23 02:11:03.992067',
};

/** Telphin's RegInfo, with this API's string ids and timestamps. */
const regInfo = (extensionId: string, registrationId: string, device: string, contact: string, real: string, expires: number) => ({
  extension_id: extensionId,
  registered: true,
  registrations: [
    {
      registration_id: registrationId,
      contact_address: contact,
      real_address: real,
      device,
      expires,
      tm_expire: '2021-02-23 03:09:39.000000',
      tm_create: '2021-02-23 02:09:39.701458',
      tm_update: '2021-02-23 02:38:01.250114',
    },
  ],
});

const ACCESSKEY_ID = '2f1f8a8e-7b8d-4a3e-9a59-6a0c1b7c9d11';

const accessKey = {
  id: ACCESSKEY_ID,
  customer_id: CUSTOMER_ID,
  name: 'billing robot',
  detail: 'used by the nightly export',
  token_prefix: 'Xq3v9T',
  tm_expire: '',
  tm_create: '2021-02-18 12:30:00.000001',
  tm_update: '2021-02-19 08:00:12.500000',
  tm_delete: '',
};

export const operationExamples: Record<string, OperationExample> = {
  getMe: {
    response: {
      id: CUSTOMER_ID,
      name: 'acme corp',
      tm_create: '2021-02-18 12:00:00.000001',
      tm_update: '',
      tm_delete: '',
      accesskey: { id: ACCESSKEY_ID, name: 'billing robot', token_prefix: 'Xq3v9T', tm_expire: '' },
      permissions: ['accesskeys:read', 'accesskeys:write', 'customer:read', 'domains:read', 'domains:write'],
    },
  },
  updateAccessKey: {
    params: { id: ACCESSKEY_ID },
    request: { name: 'billing robot', detail: 'used by the nightly export' },
    response: accessKey,
  },

  listDomains: { response: { result: [domain], next_page_token: '' } },
  createDomain: {
    request: { domain_name: 'acme', name: 'test domain', detail: 'test domain creation' },
    response: domain,
  },
  getDomain: { params: { id: DOMAIN_ID }, response: domain },
  updateDomain: {
    params: { id: DOMAIN_ID },
    request: { name: 'update test domain name', detail: 'update test domain detail' },
    response: {
      ...domain,
      name: 'update test domain name',
      detail: 'update test domain detail',
      tm_update: '2021-02-18 12:44:02.310022',
    },
  },
  deleteDomain: { params: { id: DOMAIN_ID }, response: { ...domain, tm_delete: '2021-02-18 12:50:00.000001' } },

  listExtensions: {
    query: { domain_id: DOMAIN_ID },
    response: { result: [extension], next_page_token: '' },
  },
  getExtension: { params: { id: EXTENSION_ID }, response: extension },
  createExtension: {
    request: {
      name: 'test domain',
      detail: 'test domain creation',
      domain_id: DOMAIN_ID,
      extension: 'test12',
      password: '27a4d0f2-757c-11eb-bc8f-4f045857b89c',
    },
    response: extension,
  },
  updateExtension: {
    params: { id: EXTENSION_ID },
    request: {
      name: 'update test extension name',
      detail: 'update test extension detail',
      password: '5316382a-757c-11eb-9348-bb32547e99c4',
    },
    response: updatedExtension,
  },
  deleteExtension: {
    params: { id: EXTENSION_ID },
    response: { ...updatedExtension, tm_delete: '2021-02-23 02:20:11.120011' },
  },
  regenerateExtensionDirectHash: {
    params: { id: EXTENSION_ID },
    response: { ...updatedExtension, direct_hash: 'a1b2c3d4e5f6', tm_update: '2021-02-23 02:18:45.334567' },
  },

  getExtensionRegistrations: {
    params: { id: EXTENSION_ID },
    response: regInfo(
      EXTENSION_ID,
      'uloc-572b0ffb-6d47-001',
      'Yealink SIP-T46G 28.72.14.5',
      'sip:000*002@192.168.5.52:5062',
      'sip:203.0.113.7:62338',
      699,
    ),
  },
  listRegistrations: {
    query: { extension_id: [EXTENSION_ID, OTHER_EXTENSION_ID] },
    response: [
      regInfo(
        EXTENSION_ID,
        'uloc-5731d93c-4a88-51',
        'Yealink SIP-T46G 28.72.14.5',
        'sip:000*002@192.168.5.52:5062',
        'sip:203.0.113.7:62338',
        1764,
      ),
      regInfo(
        OTHER_EXTENSION_ID,
        'uloc-570cfe57-aa6-8d4',
        'Grandstream GXP2020 1.2.5.3',
        'sip:000*000@192.168.5.60:5060;transport=udp',
        'sip:203.0.113.9:5060',
        1444,
      ),
    ],
  },
  deleteExtensionRegistrations: { params: { id: EXTENSION_ID } },
  deleteExtensionRegistration: { params: { id: EXTENSION_ID, registration_id: 'uloc-572b0ffb-6d47-001' } },
  getRegistrarCredentials: {
    query: { username: 'test12', realm: REALM },
    response: {
      extension_id: EXTENSION_ID,
      customer_id: CUSTOMER_ID,
      ha1: '8f2d457a795921cb11db2e173eb1e650',
      ha1b: '4ea39cf1cfe84e2fa2aa76d389284a34',
    },
  },
  postRegistrarWebhook: {
    request: {
      event: 'registered',
      aor: `test12@${REALM}`,
      binding: {
        registration_id: 'uloc-6b0545ce-3181-1',
        contact: 'sip:test12@192.168.1.10:5062;transport=udp',
        received: 'sip:203.0.113.7:62338',
        user_agent: 'Yealink SIP-T46G 28.72.14.5',
        call_id: 'a84b4c76e66710@pc33',
        cseq: 3,
        expires_at: 1764000000,
      },
    },
    response: { status: 'ok', applied: 1 },
  },
};

/** An error example: envelope status, reason, message, as the API sends them. */
export type ErrorExample = readonly [status: ErrorStatus, reason: string, message: string];

const accessKeyNotFound: ErrorExample = ['NOT_FOUND', 'ACCESSKEY_NOT_FOUND', 'No access key with this id.'];
const domainNotFound: ErrorExample = ['NOT_FOUND', 'DOMAIN_NOT_FOUND', 'No domain with this id.'];
const extensionNotFound: ErrorExample = ['NOT_FOUND', 'EXTENSION_NOT_FOUND', 'No extension with this id.'];
const registrarRefused: ErrorExample = ['UNAUTHENTICATED', 'INVALID_REGISTRAR_CREDENTIALS', 'Registrar authentication failed.'];

/**
 * Error examples per operationId and HTTP status, with the reason that operation sends
 * (shared/domain/*); a status not listed here shows the generic component example.
 * test/openapiDocument.test.ts checks that every reason here occurs in the API's source.
 */
export const errorExamples: Record<string, Partial<Record<number, ErrorExample>>> = {
  getAccessKey: { 404: accessKeyNotFound },
  updateAccessKey: { 404: accessKeyNotFound },
  deleteAccessKey: { 404: accessKeyNotFound },

  createDomain: { 409: ['ALREADY_EXISTS', 'DOMAIN_NAME_TAKEN', 'domain_name "acme" is already in use; choose another.'] },
  getDomain: { 404: domainNotFound },
  updateDomain: { 404: domainNotFound },
  deleteDomain: {
    404: domainNotFound,
    409: ['FAILED_PRECONDITION', 'DOMAIN_HAS_EXTENSIONS', 'The domain still has extensions; delete them first.'],
  },

  createExtension: {
    404: domainNotFound,
    409: ['ALREADY_EXISTS', 'EXTENSION_ALREADY_EXISTS', 'Extension "test12" already exists in this domain; choose another number.'],
  },
  getExtension: { 404: extensionNotFound },
  updateExtension: { 404: extensionNotFound },
  deleteExtension: { 404: extensionNotFound },
  regenerateExtensionDirectHash: { 404: extensionNotFound },

  getExtensionRegistrations: { 404: extensionNotFound },
  deleteExtensionRegistrations: { 404: extensionNotFound },
  deleteExtensionRegistration: {
    404: ['NOT_FOUND', 'REGISTRATION_NOT_FOUND', 'No registration with this id on this extension.'],
  },

  getRegistrarCredentials: {
    401: registrarRefused,
    404: ['NOT_FOUND', 'SIP_USER_NOT_FOUND', 'No SIP user with this username in this realm.'],
  },
  postRegistrarWebhook: {
    401: registrarRefused,
    404: ['NOT_FOUND', 'AOR_NOT_FOUND', 'No extension has this address of record.'],
  },
};
