import type pg from 'pg';

/**
 * Read replicas: which database a query of an API key reads. The rule, all of it:
 *
 * - A key's query reads a replica that has replayed the key's last write (its WAL position), is
 *   at most `maxLagMs` behind the primary, and answers; anything else reads the primary. A key
 *   with a write in flight in this process reads the primary.
 * - After each write (a mutation), the key's WAL position is read on the primary and announced
 *   there with NOTIFY in the same statement, before the answer goes out. Every process listens,
 *   and a process sends a key's query to a replica only once it has caught up with those
 *   announcements (one shared round trip on its listening connection, as the API key cache does):
 *   a client whose next request lands on another process still reads its own writes.
 * - While a process does not listen (starting, reconnecting) it cannot know other processes'
 *   writes: everything reads the primary, and once it listens again replicas serve only after
 *   replaying what the primary had written by then (the floor). A write whose position cannot be
 *   read raises the floor the same way.
 * - Positions are polled every POLL_MS: the primary's, and each replica's replay position. A
 *   replica's lag is how long ago the primary last stood where the replica now stands; a replica
 *   that does not answer a poll, is no standby, or failed a read is down until a poll answers.
 */

/** How often the primary's WAL position and each replica's replay position are read. */
const POLL_MS = 100;
/** A poll not answered within this counts the replica as down. */
const POLL_TIMEOUT_MS = 3_000;
/** Keys whose last write position is kept; past this, the oldest is folded into the floor. */
const REMEMBERED_WRITES = 100_000;

/** The channel each write's `keyId lsn` is announced on. */
const WRITE_CHANNEL = 'api_key_wrote';

/** A database as the routing sees it: what reads run on, and a pool to poll it through. */
interface RoutedDatabase<Reader> {
  reader: Reader;
  pool: pg.Pool;
}

/** Database.listen, as the routing uses it. */
type Listen = (
  channel: string,
  handlers: { onNotification(payload: string): void; onListening(listening: boolean): void },
) => { catchUp(): Promise<boolean> };

export interface ReadRouting<Reader> {
  primary: Reader;
  /** Where this key's query reads now: a replica that has the key's writes and is not too far behind, else the primary. */
  forReading(keyId: string): Promise<Reader>;
  /** A read on this replica failed: it is skipped until a poll answers. */
  failed(reader: Reader): void;
  /** Runs a write of this key (on the primary), then records and announces its WAL position. */
  writing<T>(keyId: string, write: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface Replica<Reader> extends RoutedDatabase<Reader> {
  up: boolean;
  /** The last replay position it answered; kept while it is down (replay never goes back). */
  replayed?: bigint;
  /** When the primary last stood at or before `replayed`. */
  freshAt?: number;
}

/** A WAL position, `16/B374D848`, as a number. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/;

/**
 * Where the primary's WAL stands for what a replica can have: a commit returns once its record is
 * flushed, so the flushed position is past every write that returned; unless commits are
 * asynchronous, where only the insert position is (which can also be up to a WAL writer's round,
 * 200 ms, ahead of what a replica can have).
 */
const WAL_POSITION = `(CASE current_setting('synchronous_commit') WHEN 'off' THEN pg_current_wal_insert_lsn()
  ELSE pg_current_wal_flush_lsn() END)::text`;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function routeReads<Reader>(
  primary: RoutedDatabase<Reader> & { listen: Listen },
  replicaDatabases: RoutedDatabase<Reader>[],
  { maxLagMs }: { maxLagMs: number },
): ReadRouting<Reader> {
  const replicas: Replica<Reader>[] = replicaDatabases.map((database) => ({ ...database, up: false }));
  /** The last write position of each key, oldest write first. */
  const writes = new Map<string, bigint>();
  /** Writes in flight in this process, by key. */
  const inFlight = new Map<string, number>();
  /** The primary's WAL position by time, over the last maxLagMs. */
  const samples: { at: number; lsn: bigint }[] = [];
  /** Every replica must have replayed this to serve anyone. */
  let floor = 0n;
  /** Counts the moments this process may have missed writes; the floor is current when taken after the latest. */
  let epoch = 0;
  let floorEpoch = -1;
  let listening = false;
  let turn = 0;

  const remember = (keyId: string, lsn: bigint) => {
    const known = writes.get(keyId);
    writes.delete(keyId);
    writes.set(keyId, known !== undefined && known > lsn ? known : lsn);
    if (writes.size > REMEMBERED_WRITES) {
      const [oldestKey, oldest] = writes.entries().next().value!;
      writes.delete(oldestKey);
      if (oldest > floor) floor = oldest;
    }
  };

  const announcements = primary.listen(WRITE_CHANNEL, {
    onNotification(payload) {
      const [keyId, lsn] = payload.split(' ');
      if (keyId && lsn && LSN.test(lsn)) remember(keyId, parseLsn(lsn));
    },
    onListening(now) {
      listening = now;
      if (now) epoch++;
    },
  });

  const usable = (replica: Replica<Reader>, now: number) =>
    replica.up &&
    replica.replayed !== undefined &&
    replica.replayed >= floor &&
    replica.freshAt !== undefined &&
    now - replica.freshAt <= maxLagMs;

  async function poll() {
    const at = Date.now();
    const pollEpoch = epoch;
    try {
      const { rows } = await withTimeout(primary.pool.query<{ lsn: string }>(`SELECT ${WAL_POSITION} AS lsn`), POLL_TIMEOUT_MS);
      const lsn = parseLsn(rows[0].lsn);
      samples.push({ at, lsn });
      if (floorEpoch < pollEpoch && listening) {
        if (lsn > floor) floor = lsn;
        floorEpoch = pollEpoch;
      }
    } catch {
      // Without new samples the replicas' freshness ages, and past maxLagMs they are skipped.
    }
    while (samples.length > 1 && samples[0].at < at - maxLagMs) samples.shift();
    await Promise.all(
      replicas.map(async (replica) => {
        try {
          const { rows } = await withTimeout(
            replica.pool.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn'),
            POLL_TIMEOUT_MS,
          );
          // A server out of recovery (promoted, or not a standby) no longer follows this primary.
          if (!rows[0].lsn) throw new Error('not a standby');
          const replayed = parseLsn(rows[0].lsn);
          replica.replayed = replayed;
          replica.freshAt = samples.findLast((sample) => sample.lsn <= replayed)?.at;
          replica.up = true;
        } catch {
          replica.up = false;
        }
      }),
    );
    // A write every replica has replayed needs no remembering: a replica returning from an outage
    // has replayed at least what it had.
    let reachedByAll = replicas[0].replayed ?? 0n;
    for (const replica of replicas) if ((replica.replayed ?? 0n) < reachedByAll) reachedByAll = replica.replayed ?? 0n;
    for (const [keyId, lsn] of writes) if (lsn <= reachedByAll) writes.delete(keyId);
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let polling = Promise.resolve();
  const loop = () => {
    polling = poll().then(() => {
      if (!stopped) timer = setTimeout(loop, POLL_MS).unref();
    });
  };
  loop();

  return {
    primary: primary.reader,
    async forReading(keyId) {
      if (inFlight.has(keyId) || !replicas.some((replica) => usable(replica, Date.now()))) return primary.reader;
      if (!(await announcements.catchUp()) || floorEpoch < epoch || inFlight.has(keyId)) return primary.reader;
      const wrote = writes.get(keyId) ?? 0n;
      const now = Date.now();
      const eligible = replicas.filter((replica) => usable(replica, now) && replica.replayed! >= wrote);
      if (!eligible.length) return primary.reader;
      return eligible[turn++ % eligible.length].reader;
    },
    failed(reader) {
      for (const replica of replicas) if (replica.reader === reader) replica.up = false;
    },
    async writing(keyId, write) {
      inFlight.set(keyId, (inFlight.get(keyId) ?? 0) + 1);
      try {
        return await write();
      } finally {
        try {
          const { rows } = await primary.pool.query<{ lsn: string }>(
            `SELECT wal.lsn, pg_notify($1, $2 || ' ' || wal.lsn) FROM (SELECT ${WAL_POSITION} AS lsn) AS wal`,
            [WRITE_CHANNEL, keyId],
          );
          remember(keyId, parseLsn(rows[0].lsn));
        } catch {
          // Neither this process nor the others know where the write ended: a new floor, for every key.
          epoch++;
        }
        const left = inFlight.get(keyId)! - 1;
        if (left) inFlight.set(keyId, left);
        else inFlight.delete(keyId);
      }
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      await polling;
    },
  };
}
