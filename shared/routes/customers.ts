import { me } from '../schemas/customers.js';
import { uses } from './access.js';
import { defineRoute } from './route.js';

const tag = 'Customer';

export const customerRoutes = {
  me: defineRoute({
    operationId: 'getMe',
    method: 'GET',
    path: '/v1.0/me',
    handler: 'functions/customers/me.ts',
    auth: 'customer',
    table: 'read',
    access: [uses.customerAuth, uses.customer.get],
    needs: ['accessKeyPermissions'],
    summary: "The access key's customer and what the key may do (VoIPbin's login check)",
    tag,
    responses: { 200: { description: "The caller's customer, the key used and its permissions", schema: me } },
  }),
};
