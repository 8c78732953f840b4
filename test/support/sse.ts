/** Anything that answers a fetch: the Yoga app itself, in process. */
export interface Fetcher {
  fetch(url: string, init: RequestInit): Response | Promise<Response>;
}

/**
 * A GraphQL subscription over SSE (`accept: text/event-stream`), read event by event: the data
 * of each `next` in `received`, the results with errors in `errors`; `close` ends it.
 */
export function subscribeOverSse(app: Fetcher, key: string, query: string, variables: Record<string, unknown> = {}) {
  const controller = new AbortController();
  const response = Promise.resolve(
    app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    }),
  );
  const received: { data: Record<string, any> }[] = [];
  const errors: { errors: { message: string; extensions?: { code?: string } }[] }[] = [];
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let text = '';
  const done = (async () => {
    const answer = await response;
    if (!answer.body) return;
    reader = answer.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        const chunk = decoder.decode(value, { stream: true });
        text += chunk;
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (/^event: next$/m.test(message) && data) {
            const payload = JSON.parse(data);
            (payload.errors ? errors : received).push(payload);
          }
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    received,
    errors,
    status: async () => (await response).status,
    /** Everything the response's body held so far: the stream, or a refusal's JSON. */
    text: () => text,
    /** Waits until `count` results arrived; fails after `timeoutMs`. */
    async waitFor(count: number, timeoutMs = 10_000) {
      const started = Date.now();
      while (received.length < count) {
        if (Date.now() - started > timeoutMs) throw new Error(`got ${received.length} of ${count}: ${JSON.stringify(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    async close() {
      await reader?.cancel().catch(() => {});
      controller.abort();
      await done;
    },
  };
}

export type SseSubscription = ReturnType<typeof subscribeOverSse>;
