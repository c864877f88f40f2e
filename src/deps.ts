// The one dependency object every service receives, so tests can swap any edge.
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import type { Store } from './store/connect.js';
import type { Clock } from './clock.js';
import type { SecretBox } from './crypto/secret-box.js';

export interface Deps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
}
