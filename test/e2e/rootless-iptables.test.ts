import { netnsSuite } from './netns-suite.js';

netnsSuite('iptables', true);
