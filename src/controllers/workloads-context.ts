// What every workload controller is given: the API, a logger, its Event recorder and a clock
// (tests pass a fake one for minReadySeconds and progress deadlines).

import type { Logger } from 'pino';
import type { Client } from '../client/client.js';
import type { EventRecorder } from '../client/events.js';

export interface ControllerContext {
  client: Client;
  log: Logger;
  events: EventRecorder;
  now: () => Date;
}
