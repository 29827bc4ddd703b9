import { accessKey, accessKeyCreate, accessKeyWithToken } from '../schemas/accessKeys.js';
import { idParams, listOf, pageQuery } from '../schemas/common.js';
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
    summary: 'Get one access key (never its secret)',
    tag,
    params: idParams,
    responses: { 200: { description: 'The access key', schema: accessKey } },
  }),
  delete: defineRoute({
    operationId: 'deleteAccessKey',
    method: 'DELETE',
    path: '/v1.0/accesskeys/{id}',
    handler: 'functions/accesskeys/delete.ts',
    auth: 'customer',
    table: 'write',
    summary: 'Delete an access key; it stops working at once',
    tag,
    params: idParams,
    responses: { 200: { description: 'The deleted key, tm_delete set', schema: accessKey } },
  }),
};
