import { idParams } from '../schemas/common.js';
import { listOf } from '../schemas/paging.js';
import { extension, extensionCreate, extensionListQuery, extensionUpdate } from '../schemas/extensions.js';
import { uses } from './access.js';
import { defineRoute } from './route.js';

const tag = 'Extensions';

export const extensionRoutes = {
  list: defineRoute({
    operationId: 'listExtensions',
    method: 'GET',
    path: '/v1.0/extensions',
    handler: 'functions/extensions/list.ts',
    auth: 'customer',
    table: 'read',
    access: [uses.customerAuth, uses.extensions.listAll, uses.extensions.listDomain],
    needs: ['pageTokens'],
    summary: "List the caller's extensions (or one domain's with domain_id), newest first",
    tag,
    query: extensionListQuery,
    responses: { 200: { description: 'A page of extensions', schema: listOf(extension) } },
  }),
  create: defineRoute({
    operationId: 'createExtension',
    method: 'POST',
    path: '/v1.0/extensions',
    handler: 'functions/extensions/create.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.domains.get, uses.domains.findByName, uses.domains.create, uses.domains.update, uses.extensions.create],
    // sipDomain: the default domain's realm, when it is created on first use;
    // registrarCache: invalidates the registrar's cached credential.
    needs: ['sipDomain', 'registrarCache'],
    summary: 'Create an extension in one of your domains (default: your default domain); 409 when the number exists there',
    tag,
    body: extensionCreate,
    responses: { 200: { description: 'The new extension, with its password', schema: extension } },
    // 404: domain_id names no domain of the caller's; 409 ALREADY_EXISTS: the number is taken
    errors: [404, 409],
  }),
  get: defineRoute({
    operationId: 'getExtension',
    method: 'GET',
    path: '/v1.0/extensions/{id}',
    handler: 'functions/extensions/get.ts',
    auth: 'customer',
    table: 'read',
    access: [uses.customerAuth, uses.extensions.get],
    summary: 'Get one extension',
    tag,
    params: idParams,
    responses: { 200: { description: 'The extension', schema: extension } },
  }),
  update: defineRoute({
    operationId: 'updateExtension',
    method: 'PUT',
    path: '/v1.0/extensions/{id}',
    handler: 'functions/extensions/update.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.extensions.get, uses.extensions.update],
    needs: ['registrarCache'], // invalidates the registrar's cached credential
    summary: 'Change name, detail and/or password; omitted fields keep their value',
    tag,
    params: idParams,
    body: extensionUpdate,
    responses: { 200: { description: 'The updated extension', schema: extension } },
  }),
  delete: defineRoute({
    operationId: 'deleteExtension',
    method: 'DELETE',
    path: '/v1.0/extensions/{id}',
    handler: 'functions/extensions/delete.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.extensions.withBindings, uses.extensions.delete, uses.extensions.deleteBindings, uses.domains.update],
    summary: 'Delete an extension; its credentials stop working at once and the number is free',
    tag,
    // Invalidates the registrar's cached credential; drops its bindings best effort.
    needs: ['registrarCache'],
    params: idParams,
    responses: { 200: { description: 'The deleted extension, tm_delete set', schema: extension } },
  }),
  regenerateDirectHash: defineRoute({
    operationId: 'regenerateExtensionDirectHash',
    method: 'POST',
    path: '/v1.0/extensions/{id}/direct-hash-regenerate',
    handler: 'functions/extensions/regenerateDirectHash.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.extensions.get, uses.extensions.updateItem, uses.extensions.swapDirectHash],
    summary: 'Replace direct_hash; the previous hash stops resolving at once (no body)',
    tag,
    params: idParams,
    responses: { 200: { description: 'The extension with its new direct_hash', schema: extension } },
  }),
};
