// The page's API access: the token as a bearer header, plain GETs, and a server-sent event
// stream read with fetch (EventSource cannot send the header).

export class Unauthorized extends Error {}

export class Api {
  constructor(private readonly token: string) {}

  private async fetch(path: string, signal?: AbortSignal): Promise<Response> {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' }, signal });
    if (res.status === 401) throw new Unauthorized('the token was not accepted (401)');
    return res;
  }

  async get<T>(path: string): Promise<T> {
    const res = await this.fetch(path);
    const body = await res.json();
    if (!res.ok) throw new Error(body.message ?? `${res.status}`);
    return body as T;
  }

  /** Calls `onEvent` with each server-sent event's name and parsed data until `signal` aborts;
   *  reconnects (after `onReconnect`) when the stream drops. */
  async events(path: string, onEvent: (event: string, data: unknown) => void, signal: AbortSignal, onReconnect: () => void): Promise<void> {
    while (!signal.aborted) {
      try {
        const res = await this.fetch(path, signal);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const lines = buf.slice(0, end).split('\n');
            buf = buf.slice(end + 2);
            const field = (name: string): string => lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2)).join('\n');
            const data = field('data');
            if (data) onEvent(field('event') || 'message', JSON.parse(data));
          }
        }
      } catch (e) {
        if (e instanceof Unauthorized || signal.aborted) throw e;
      }
      await new Promise((r) => setTimeout(r, 1000));
      onReconnect();
    }
  }
}
