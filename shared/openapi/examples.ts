/**
 * Examples for the OpenAPI document, keyed by operationId, taken from the seeds
 * (VoIPbin's extension API and Telphin's registration API) and adapted to this API's
 * schemas. test/openapi.test.ts parses every example with its route's schemas, so an
 * example that drifts from a schema fails the build. An operationId that is not (yet)
 * in the route table is ignored.
 */
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

const extension = {
  id: EXTENSION_ID,
  customer_id: CUSTOMER_ID,
  name: 'test domain',
  detail: 'test domain creation',
  domain_id: DOMAIN_ID,
  extension: 'test12',
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

export const operationExamples: Record<string, OperationExample> = {
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
};
