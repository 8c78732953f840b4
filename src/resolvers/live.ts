import { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { API_KEY_CHANNEL } from '../auth/api-key-cache.ts';
import type { Caller } from '../auth/api-keys.ts';
import { DEFAULT_LIMITS, LIVE_LIMITS, type LiveLimits } from '../config/limits.ts';
import type { Database } from '../data/database.ts';
import { OLDEST_FIRST } from '../data/ordering.ts';
import { scoped, type Tenant } from '../data/tenant.ts';
import { apiError, badArgument } from '../domain/errors.ts';
import type { Event } from '../generated/prisma/client.ts';
import type { EventType } from '../generated/prisma/enums.ts';

/**
 * Live updates: the events the verbs write, as they commit, to subscribers in any server process.
 * A trigger announces each event on the database's `customer_event` channel (migration
 * 20261207000000) with its tenant, customer and type; each process listens once, reads the
 * announced events a subscriber of their tenant wants (in announcement order, which is commit
 * order), and hands them to those subscribers. A subscriber resuming `after` an event first gets
 * what it missed from the table, then the live ones, each once.
 */

export const EVENT_CHANNEL = 'customer_event';

interface Announced {
  id: string;
  accountId: string;
  env: string;
  customerId: string;
  type: EventType;
}

export interface EventFilter {
  customerId?: string | null;
  types?: readonly EventType[] | null;
}

const matches = (tenant: Tenant, filter: EventFilter, event: Announced) =>
  event.accountId === tenant.accountId &&
  event.env === tenant.env &&
  (!filter.customerId || event.customerId === filter.customerId) &&
  (!filter.types?.length || filter.types.includes(event.type));

/** Ids already delivered are remembered this long: an announcement can trail the table by as much. */
const REMEMBER_MS = 60_000;

/**
 * An event's createdAt is its transaction's start, and it commits up to the execution limit later:
 * an event committed after the last one delivered can be older than it. A catch-up reads back this
 * far before that one (what was delivered is remembered, and skipped).
 */
const COMMIT_LAG_MS = DEFAULT_LIMITS.executionTimeoutMs;

/** One subscriber's events in order: bounded, each delivered once. */
class Feed {
  private queue: Event[] = [];
  private wake?: () => void;
  private failure?: GraphQLError;
  private ended = false;
  private readonly delivered = new Map<string, number>();
  /** The last event handed over, to catch up from when announcements may have been missed. */
  last?: Event;
  /** Where the subscription began (its `after` event, or its start): nothing before it is sent. */
  floor?: Event;

  /** Where a catch-up reads from: COMMIT_LAG_MS before the last event delivered, never before the floor. */
  catchUpFrom(): Event | undefined {
    if (!this.last) return this.floor;
    const back = { createdAt: new Date(this.last.createdAt.getTime() - COMMIT_LAG_MS), id: '' } as Event;
    return this.floor && back.createdAt <= this.floor.createdAt ? this.floor : back;
  }

  constructor(
    readonly caller: Caller,
    readonly filter: EventFilter,
    private readonly maxQueued: number,
  ) {}

  wants(event: Announced) {
    return matches(this.caller, this.filter, event);
  }

  /** Adds events in order, skipping any already delivered or queued; past the bound the subscriber is dropped. */
  push(events: Event[]) {
    for (const event of events) {
      if (this.delivered.has(event.id) || this.queue.some((queued) => queued.id === event.id)) continue;
      if (this.queue.length >= this.maxQueued) {
        this.fail(
          apiError(
            'SUBSCRIBER_TOO_SLOW',
            `More than ${this.maxQueued} events waited for this subscriber: it was dropped. Subscribe again with after: the id of the last event received.`,
          ),
        );
        return;
      }
      this.queue.push(event);
    }
    this.wake?.();
  }

  /** Puts what was missed before what arrived meanwhile. */
  putFirst(events: Event[]) {
    const missed = events.filter((event) => !this.delivered.has(event.id));
    const ids = new Set(missed.map((event) => event.id));
    this.queue = [...missed, ...this.queue.filter((event) => !ids.has(event.id))];
    this.wake?.();
  }

  fail(error: GraphQLError) {
    this.failure ??= error;
    this.wake?.();
  }

  end() {
    this.ended = true;
    this.wake?.();
  }

  /** The next event, or undefined once ended, or the error that dropped the subscriber. */
  async next(): Promise<Event | GraphQLError | undefined> {
    for (;;) {
      if (this.failure) return this.failure;
      if (this.ended) return undefined;
      const event = this.queue.shift();
      if (event) {
        this.remember(event);
        return event;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  private remember(event: Event) {
    this.last = event;
    this.delivered.set(event.id, event.createdAt.getTime());
    const horizon = event.createdAt.getTime() - REMEMBER_MS;
    for (const [id, at] of this.delivered) if (at < horizon) this.delivered.delete(id);
  }
}

export interface LiveEvents {
  /**
   * The caller's events that pass `filter`, as they commit; `after` an event id, what followed it
   * first. A subscriber dropped mid-stream gets the error as its last item: thrown from a field's
   * resolver, it reaches the client as a result with errors on either transport, and the stream ends.
   */
  events(caller: Caller, filter: EventFilter, after?: string | null): AsyncIterableIterator<Event | GraphQLError>;
  /** Subscriptions open in this process. */
  open(): number;
}

export function createLiveEvents(db: Pick<Database, 'prisma' | 'listen'>, limits: LiveLimits = LIVE_LIMITS): LiveEvents {
  const feeds = new Set<Feed>();
  const { prisma } = db;

  /** The tenant's events after `from` (in event order) that pass the filter, up to the replay limit. */
  async function eventsAfter(tenant: Tenant, filter: EventFilter, from: Event): Promise<Event[]> {
    const after = {
      OR: [{ createdAt: { gt: from.createdAt } }, { createdAt: from.createdAt, id: { gt: from.id } }],
    };
    const found = await prisma.event.findMany({
      where: scoped('Event', tenant, {
        AND: [
          after,
          filter.customerId ? { customerId: filter.customerId } : {},
          filter.types?.length ? { type: { in: [...filter.types] } } : {},
        ],
      }),
      orderBy: OLDEST_FIRST,
      take: limits.replay + 1,
    });
    if (found.length > limits.replay) {
      throw apiError(
        'BAD_USER_INPUT',
        `More than ${limits.replay} events followed that event: read them with events first, then subscribe`,
      );
    }
    return found;
  }

  // Announcements are handled one batch at a time, in the order they came: that is commit order.
  let announced: Announced[] = [];
  let draining = false;
  async function drain() {
    while (announced.length) {
      const batch = announced.slice(0, 100);
      announced = announced.slice(100);
      const wanted = batch.filter((event) => [...feeds].some((feed) => feed.wants(event)));
      if (!wanted.length) continue;
      let rows: Event[];
      try {
        rows = await prisma.event.findMany({ where: { id: { in: wanted.map((event) => event.id) } } });
      } catch {
        // Not dropped: each subscriber reads what followed its last event (or ends with an error to resume from).
        await catchUpAll();
        continue;
      }
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const feed of feeds) {
        feed.push(wanted.flatMap((event) => (feed.wants(event) && byId.has(event.id) ? [byId.get(event.id)!] : [])));
      }
    }
  }

  /** Announcements may have been missed while nothing listened: each subscriber catches up from its last event. */
  async function catchUpAll() {
    for (const feed of feeds) {
      const from = feed.catchUpFrom();
      if (!from) continue;
      try {
        feed.push(await eventsAfter(feed.caller, feed.filter, from));
      } catch (error) {
        feed.fail(error as GraphQLError);
      }
    }
  }

  let listening = false;
  // Listening starts with the first subscription: an app that serves none holds no connection for it.
  const listen = () => {
    if (listening) return;
    listening = true;
    db.listen(EVENT_CHANNEL, {
      onNotification(payload) {
        announced.push(JSON.parse(payload) as Announced);
        if (draining) return;
        draining = true;
        void drain().finally(() => {
          draining = false;
        });
      },
      // Until listening begins (again), announcements are missed: then each subscriber catches up.
      onListening(now) {
        if (now) void catchUpAll();
      },
    });

    // A revoked key ends its subscriptions: every key with one open is checked when any key changes.
    db.listen(API_KEY_CHANNEL, {
      async onNotification() {
        const keyIds = [...new Set([...feeds].map((feed) => feed.caller.keyId))];
        if (!keyIds.length) return;
        const valid = await prisma.apiKey.findMany({ where: { id: { in: keyIds }, revokedAt: null }, select: { id: true } });
        const validIds = new Set(valid.map((key) => key.id));
        for (const feed of feeds) if (!validIds.has(feed.caller.keyId)) feed.fail(apiError('UNAUTHENTICATED', 'The API key was revoked'));
      },
      onListening() {},
    });
  };

  return {
    // A Repeater, not a generator: a generator waiting for its next event could only end when one
    // came, and until then a closed subscription would hold its slot and its feed.
    events: (caller, filter, after) =>
      new Repeater<Event | GraphQLError>(async (push, stop) => {
        listen();
        const open = [...feeds].filter((feed) => feed.caller.keyId === caller.keyId).length;
        if (open >= limits.perKey) {
          throw apiError('TOO_MANY_SUBSCRIPTIONS', `An API key may hold ${limits.perKey} subscriptions open at once in a server process`);
        }
        const from = after ? await prisma.event.findFirst({ where: scoped('Event', caller, { id: after }) }) : undefined;
        if (after && !from) throw badArgument('after', `no event with id "${after}"`);
        // Listening before the missed events are read: whatever commits meanwhile is queued, and
        // what both catch is delivered once. Should listening begin only now, its catch-up starts
        // from `after` as well, so nothing committed between this read and then is missed.
        const feed = new Feed(caller, filter, limits.queuedEvents);
        feed.floor = from ?? ({ createdAt: new Date(), id: '' } as Event);
        feed.last = feed.floor;
        feeds.add(feed);
        void stop.then(() => feed.end());
        try {
          if (from) feed.putFirst(await eventsAfter(caller, filter, from));
          for (;;) {
            const event = await feed.next();
            if (!event) break;
            await push(event);
            if (event instanceof GraphQLError) break;
          }
          stop();
        } finally {
          feeds.delete(feed);
        }
      }),
    open: () => feeds.size,
  };
}
