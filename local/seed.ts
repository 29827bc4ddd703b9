import { authenticate } from '../shared/domain/accessKeys.js';
import { addAccessKeyWithSecret, createCustomer, getCustomer } from '../shared/domain/customers.js';
import { newAccessKeySecret } from '../shared/domain/secrets.js';
import { saveLocalSettings, type LocalSettings } from './settings.js';

/**
 * Idempotent: one local customer; LOCAL_ACCESS_KEY, when set, is made a valid key of it;
 * otherwise a key generated on the first start is kept and reused. Returns the key to print.
 */
export async function seedLocalCustomer(settings: LocalSettings, wantedKey: string | undefined): Promise<string> {
  const secret = wantedKey ?? settings.generatedAccessKey ?? newAccessKeySecret();
  if (!(await getCustomer(settings.customerId))) {
    await createCustomer('local customer', { customerId: settings.customerId, secret });
  } else if (!(await isKeyOf(secret, settings.customerId))) {
    await addAccessKeyWithSecret(settings.customerId, wantedKey ? 'LOCAL_ACCESS_KEY' : 'local generated key', secret);
  }
  if (!wantedKey && settings.generatedAccessKey !== secret) {
    saveLocalSettings({ ...settings, generatedAccessKey: secret });
  }
  return secret;
}

async function isKeyOf(secret: string, customerId: string): Promise<boolean> {
  try {
    return (await authenticate(secret)).customerId === customerId;
  } catch {
    return false;
  }
}
