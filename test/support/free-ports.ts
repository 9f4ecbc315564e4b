/** Free TCP ports for tests: the simulator's helper. */
export { freePorts } from '../../sim/free-ports.js';
