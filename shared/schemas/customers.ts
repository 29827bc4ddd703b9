/** GET /v1.0/me is a view of the stored customer and access key (shared/entities/customer.ts). */
export { meView as me } from '../entities/customer.js';
