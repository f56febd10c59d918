import { ipvsFallbackSuite, netnsSuite } from './netns-suite.js';

netnsSuite('iptables');
ipvsFallbackSuite();
