import {
  extensionRegistrationsParams,
  regInfo,
  regInfoList,
  registrationParams,
  registrationsQuery,
} from '../schemas/registrations.js';
import { uses } from './access.js';
import { defineRoute } from './route.js';

const tag = 'Registrations';

/** Telphin's registration API over our extensions (docs/registrations.md). */
export const registrationRoutes = {
  list: defineRoute({
    operationId: 'listRegistrations',
    method: 'GET',
    path: '/v1.0/extensions/registrations',
    handler: 'functions/registrations/list.ts',
    auth: 'customer',
    table: 'read',
    access: [uses.customerAuth, uses.registrations.listAll, uses.registrations.getMany, uses.extensions.withBindings],
    needs: ['pageTokens'],
    summary:
      'Registrations of several extensions (?extension_id= repeated, 1..100: an array in the order asked) or, without ids, a page of the extensions with registration data',
    tag,
    query: registrationsQuery,
    responses: { 200: { description: 'RegInfo per extension', schema: regInfoList } },
  }),
  get: defineRoute({
    operationId: 'getExtensionRegistrations',
    method: 'GET',
    path: '/v1.0/extensions/{id}/registrations',
    handler: 'functions/registrations/get.ts',
    auth: 'customer',
    table: 'read',
    access: [uses.customerAuth, uses.extensions.withBindings],
    summary: "An extension's registrations: the live ones, or the last ended ones",
    tag,
    params: extensionRegistrationsParams,
    responses: { 200: { description: 'RegInfo', schema: regInfo } },
  }),
  deleteAll: defineRoute({
    operationId: 'deleteExtensionRegistrations',
    method: 'DELETE',
    path: '/v1.0/extensions/{id}/registrations',
    handler: 'functions/registrations/deleteAll.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.extensions.withBindings, uses.registrations.write],
    needs: ['registrarControl', 'retention'],
    summary: 'Force-unregister every registration of the extension',
    tag,
    params: extensionRegistrationsParams,
    responses: { 204: { description: 'Unregistered (the registrar first, when a control endpoint is configured)' } },
  }),
  delete: defineRoute({
    operationId: 'deleteExtensionRegistration',
    method: 'DELETE',
    path: '/v1.0/extensions/{id}/registrations/{registration_id}',
    handler: 'functions/registrations/delete.ts',
    auth: 'customer',
    table: 'write',
    access: [uses.customerAuth, uses.extensions.withBindings, uses.registrations.write],
    needs: ['registrarControl', 'retention'],
    summary: 'Force-unregister one registration',
    tag,
    params: registrationParams,
    responses: { 204: { description: 'Unregistered (the registrar first, when a control endpoint is configured)' } },
  }),
};
