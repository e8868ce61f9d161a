/**
 * One request's state as the pipeline carries it: the route handler's context (route.ts) plus the
 * facts the request line reports. A class, so every request's object has the same shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import type { CallContext } from '../stores/port.ts';
import type { Payload } from '../wire/payload.ts';
import type { Principal } from './auth.ts';
import type { RequestContext } from './route.ts';

/** What the shutdown log names for a request still running when the grace period ran out. */
export interface InFlight {
  readonly id: string;
  readonly method: string;
  readonly route: string;
  readonly started: number;
}

const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

// One AbortController per client connection, aborted when the connection closes: a request whose
// client went away stops its upstream work. Per connection rather than per request because an
// AbortSignal costs microseconds to create, and HTTP/1.1 runs one request at a time per socket.
const connectionSignals = new WeakMap<object, AbortSignal>();

function connectionSignal(req: IncomingMessage): AbortSignal {
  const socket = req.socket;
  let signal = connectionSignals.get(socket);
  if (signal === undefined) {
    const controller = new AbortController();
    signal = controller.signal;
    // A sharded Index's shard calls all listen on it at once: more than Node's default of 10.
    setMaxListeners(0, signal);
    connectionSignals.set(socket, signal);
    socket.once('close', () => controller.abort());
  }
  return signal;
}

export class Exchange implements RequestContext, InFlight {
  readonly method: string;
  params: Readonly<Record<string, string | undefined>> = EMPTY;
  query: Readonly<Record<string, string | string[] | undefined>> = EMPTY;
  principal: Principal | undefined = undefined;
  body: Payload | undefined = undefined;
  index: string | undefined = undefined;
  store: string | undefined = undefined;
  #call: CallContext | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly id: string,
    /** The route template, or `unmatched`: the `route` log field and metrics label. */
    readonly route: string,
    readonly started: number,
    readonly stopping: AbortSignal,
  ) {
    this.method = req.method ?? '';
  }

  get call(): CallContext {
    this.#call ??= { signal: connectionSignal(this.req), requestId: this.id };
    return this.#call;
  }
}
