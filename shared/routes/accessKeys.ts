import { accessKey, accessKeyCreate, accessKeyUpdate, accessKeyWithToken } from '../schemas/accessKeys.js';
import { idParams } from '../schemas/common.js';
import { listOf, pageQuery } from '../schemas/paging.js';
import { uses } from './access.js';
import { defineRoute } from './route.js';

const tag = 'Access keys';

export const accessKeyRoutes = {
  list: defineRoute({
    operationId: 'listAccessKeys',
    method: 'GET',
    path: '/v1.0/accesskeys',
    handler: 'functions/accesskeys/list.ts',
    auth: 'customer',
    table: 'read',
    access: [uses.customerAuth, uses.accessKeys.list],
    needs: ['pageTokens'],
    summary: "List the caller's access keys, newest first",
    tag,
    query: pageQuery,
    responses: { 200: { description: 'A page of access keys', schema: listOf(accessKey) } },
  }),
  create: defineRoute({
    operationId: 'createAccessKey',
    method: 'POST',
    path: '/v1.0/accesskeys',
    handler: 'functions/accesskeys/create.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.accessKeys.create],
    summary: 'Create an access key; its secret is returned once, in this reply only',
    tag,
    body: accessKeyCreate,
    responses: { 200: { description: 'The new key with its secret', schema: accessKeyWithToken } },
  }),
  get: defineRoute({
    operationId: 'getAccessKey',
    method: 'GET',
    path: '/v1.0/accesskeys/{id}',
    handler: 'functions/accesskeys/get.ts',
    auth: 'customer',
    table: 'read',
    access: [uses.customerAuth, uses.accessKeys.get],
    summary: 'Get one access key (never its secret)',
    tag,
    params: idParams,
    responses: { 200: { description: 'The access key', schema: accessKey } },
  }),
  update: defineRoute({
    operationId: 'updateAccessKey',
    method: 'PUT',
    path: '/v1.0/accesskeys/{id}',
    handler: 'functions/accesskeys/update.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.accessKeys.update],
    summary: 'Rename an access key (name, detail); omitted fields keep their value; never returns the secret',
    tag,
    params: idParams,
    body: accessKeyUpdate,
    responses: { 200: { description: 'The updated access key (never its secret)', schema: accessKey } },
  }),
  delete: defineRoute({
    operationId: 'deleteAccessKey',
    method: 'DELETE',
    path: '/v1.0/accesskeys/{id}',
    handler: 'functions/accesskeys/delete.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.accessKeys.get, uses.accessKeys.delete],
    summary: 'Delete an access key; it stops working at once',
    tag,
    params: idParams,
    responses: { 200: { description: 'The deleted key, tm_delete set', schema: accessKey } },
  }),
};
