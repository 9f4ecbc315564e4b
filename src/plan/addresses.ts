/**
 * Router addresses the manager gives meaning to. Model names never contain '/', so these are unambiguous.
 * Shared by the planner (which configures them), the observer (which looks for them in router.address rows) and
 * the simulated microservices (which attach to them).
 */

/** The address a Route's messages travel on: `from` sends to it, `to` receives from it. */
export function routeAddress(application: string, route: string): string {
  return `ecn/route/${application}/${route}`;
}

/** The address joining a public port's tcpListener (interior) and tcpConnector (the microservice's agent router). */
export function publicPortAddress(application: string, microservice: string, external: number): string {
  return `ecn/port/${application}/${microservice}/${external}`;
}

/** The mobile address key a router reports for an address in router.address rows (qdrouterd 1.x adds phase 0). */
export function mobileAddressKey(address: string, flavor: 'qdrouterd' | 'skupper'): string {
  return flavor === 'qdrouterd' ? `M0${address}` : `M${address}`;
}
