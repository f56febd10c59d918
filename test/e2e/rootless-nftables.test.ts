import { netnsSuite } from './netns-suite.js';

netnsSuite('nftables', true);
