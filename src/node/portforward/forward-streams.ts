// Port-forward over SPDY streams (kubelet's httpstream handler): for each connection kubectl
// accepts locally it opens two streams with the same `requestid` header, `streamtype: error` and
// `streamtype: data`, and the pod port in `port`. Once both are here the pod's port is dialled;
// the data stream carries the bytes both ways, the error stream a failure's text (and then ends).

import { dialFailure, dialPod, forwardError, parsePort, type PortTarget } from './dial.js';
import type { SpdySessionEvents, SpdyStream } from './spdy-session.js';

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
}

/** Old clients send no requestid: kubelet pairs a data stream with the error stream before it. */
function requestId(s: SpdyStream): string {
  return s.headers.requestid ?? String(s.headers.streamtype === 'data' ? s.id - 2 : s.id);
}

export function streamForwarder(target: PortTarget): SpdySessionEvents {
  const pairs = new Map<string, Pair>();
  const start = (data: SpdyStream, error: SpdyStream): void => {
    // The client sends nothing on the error stream; reading its end lets the stream close.
    error.resume();
    const port = parsePort(data.headers.port);
    if (typeof port === 'string') {
      error.end(forwardError(target, 0, port));
      data.end();
      return;
    }
    const endError = (text?: string): void => void (error.writableEnded || error.destroyed || error.end(text));
    const failed = (e: NodeJS.ErrnoException): void => {
      endError(dialFailure(target, port, e));
      data.end();
    };
    dialPod(target, port).then((conn) => {
      // The client went away while connecting.
      if (data.destroyed) return void conn.destroy();
      data.pipe(conn);
      conn.pipe(data);
      conn.on('error', failed);
      // No failure to report: the error stream ends when the connection does.
      conn.on('close', () => endError());
      // A stream reset by the client (its local connection went away) closes the pod's too.
      data.on('error', () => conn.destroy());
      data.on('close', () => conn.destroy());
    }, failed);
  };
  return {
    onStream(stream) {
      const id = requestId(stream);
      const kind = stream.headers.streamtype;
      if (kind !== 'data' && kind !== 'error') return void stream.destroy();
      const pair = pairs.get(id) ?? {};
      pair[kind] = stream;
      if (pair.data && pair.error) {
        pairs.delete(id);
        start(pair.data, pair.error);
      } else {
        pairs.set(id, pair);
        stream.once('close', () => pairs.get(id) === pair && pairs.delete(id));
      }
    },
  };
}
