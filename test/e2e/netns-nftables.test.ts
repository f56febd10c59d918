import { crashRecoverySuite, netnsSuite } from './netns-suite.js';

netnsSuite('nftables');
crashRecoverySuite();
