import { ipvsFallbackSuite, netnsSuite, userspaceSuite } from './netns-suite.js';

netnsSuite('iptables');
ipvsFallbackSuite();
userspaceSuite();
