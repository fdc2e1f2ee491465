// First start: an admin account so the operator can log in at all.
import type { Store } from '../store/index.js';
import { SEED_ADMIN_ID } from '../store/users.js';
import { hashPassword } from '../api/passwords.js';
import type { ServerLogger as Logger } from '../logger.js';

export async function seedAdmin(store: Store, log: Logger): Promise<void> {
  if (store.users.count() > 0) return;
  store.users.insert({ id: SEED_ADMIN_ID, username: 'admin', passwordHash: await hashPassword('changeme'), role: 'admin' });
  log.warn("seeded user 'admin' with the default password 'changeme': change it now (ring user update -p <new password>)");
}
