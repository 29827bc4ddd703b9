import { idParams } from '../schemas/common.js';
import { listOf, pageQuery } from '../schemas/paging.js';
import { domain, domainCreate, domainUpdate } from '../schemas/domains.js';
import { uses } from './access.js';
import { defineRoute } from './route.js';

const tag = 'Domains';

export const domainRoutes = {
  list: defineRoute({
    operationId: 'listDomains',
    method: 'GET',
    path: '/v1.0/domains',
    handler: 'functions/domains/list.ts',
    auth: 'customer',
    table: 'read',
    access: [uses.customerAuth, uses.domains.list],
    needs: ['pageTokens'],
    summary: "List the caller's domains, newest first",
    tag,
    query: pageQuery,
    responses: { 200: { description: 'A page of domains', schema: listOf(domain) } },
  }),
  create: defineRoute({
    operationId: 'createDomain',
    method: 'POST',
    path: '/v1.0/domains',
    handler: 'functions/domains/create.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.domains.create],
    needs: ['sipDomain'],
    summary: 'Create a SIP domain; 409 when domain_name is taken (by anyone)',
    tag,
    body: domainCreate,
    responses: { 200: { description: 'The new domain with its realm', schema: domain } },
    errors: [409], // ALREADY_EXISTS: domain_name taken
  }),
  get: defineRoute({
    operationId: 'getDomain',
    method: 'GET',
    path: '/v1.0/domains/{id}',
    handler: 'functions/domains/get.ts',
    auth: 'customer',
    table: 'read',
    access: [uses.customerAuth, uses.domains.get],
    summary: 'Get one domain',
    tag,
    params: idParams,
    responses: { 200: { description: 'The domain', schema: domain } },
  }),
  update: defineRoute({
    operationId: 'updateDomain',
    method: 'PUT',
    path: '/v1.0/domains/{id}',
    handler: 'functions/domains/update.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.domains.update],
    summary: 'Change name and/or detail; omitted fields keep their value',
    tag,
    params: idParams,
    body: domainUpdate,
    responses: { 200: { description: 'The updated domain', schema: domain } },
  }),
  delete: defineRoute({
    operationId: 'deleteDomain',
    method: 'DELETE',
    path: '/v1.0/domains/{id}',
    handler: 'functions/domains/delete.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.domains.get, uses.domains.delete],
    needs: ['registrarCache'], // invalidates the realm in the registrar's credential cache
    summary: 'Delete a domain without extensions (409 FAILED_PRECONDITION otherwise); frees its domain_name',
    tag,
    params: idParams,
    responses: { 200: { description: 'The deleted domain, tm_delete set', schema: domain } },
    errors: [409], // FAILED_PRECONDITION: the domain still has extensions
  }),
};
