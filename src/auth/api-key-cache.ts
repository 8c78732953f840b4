import { LRUCache } from 'lru-cache';
import { CAPACITY } from '../config/limits.ts';
import type { Database } from '../data/database.ts';

/**
 * The channel the trigger of prisma/migrations/20261124000000_api_key_notify notifies with the
 * hash of every API key revoked, changed or deleted, and with '' when the table is truncated.
 */
export const API_KEY_CHANNEL = 'api_key_changed';

export interface ApiKeyCache<Caller> {
  /** The caller of the key with this hash: from the cache when it is known to be current, else from `lookUp`. */
  caller(hash: string, lookUp: () => Promise<Caller | undefined>): Promise<Caller | undefined>;
}

/**
 * Callers of authenticated API keys, by key hash. A cached caller is used only once the process
 * has caught up with the database's notifications (one shared round trip on the listening
 * connection), so a key revoked, by whichever process, before a request began is refused by that
 * request. While nothing listens (not yet, or the connection is lost) every key is looked up.
 */
export function createApiKeyCache<Caller extends object>(db: Pick<Database, 'listen'>): ApiKeyCache<Caller> {
  const callers = new LRUCache<string, Caller>({ max: CAPACITY.cachedApiKeys });
  let listening = false;
  // Counts what may have made a cached caller wrong. A lookup during which it moved may have
  // read the row before the change: its answer is used once but not kept.
  let changes = 0;

  const notifications = db.listen(API_KEY_CHANNEL, {
    onNotification(hash) {
      changes++;
      if (hash) callers.delete(hash);
      else callers.clear();
    },
    onListening(now) {
      changes++;
      listening = now;
      callers.clear();
    },
  });

  return {
    async caller(hash, lookUp) {
      if (listening && callers.has(hash) && (await notifications.catchUp())) {
        const cached = callers.get(hash);
        if (cached) return cached;
      }
      const changesBefore = changes;
      const caller = await lookUp();
      if (caller && listening && changes === changesBefore) callers.set(hash, caller);
      return caller;
    },
  };
}
