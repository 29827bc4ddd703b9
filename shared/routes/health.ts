import { healthStatus } from '../schemas/health.js';
import { uses } from './access.js';
import { defineRoute } from './route.js';

export const healthRoutes = {
  health: defineRoute({
    operationId: 'getHealth',
    method: 'GET',
    path: '/v1.0/health',
    handler: 'functions/health/get.ts',
    auth: 'none',
    table: 'read',
    access: [uses.health],
    summary: 'Liveness of the API and its table',
    tag: 'Health',
    responses: { 200: { description: 'The table answers', schema: healthStatus } },
  }),
};
