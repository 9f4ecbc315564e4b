/** Which names the model accepts: agent names become router ids, other names become address segments. */
import { ROUTER_ID_PATTERN } from '../router/protocol.js';

export { ROUTER_ID_PATTERN };

/** A segment of an AMQP address the manager builds (`<application>/<microservice>`…): no '/', no spaces, no wildcards, no leading '$'. */
export const ADDRESS_SEGMENT_PATTERN = /^[^/\s#*$][^/\s#*]{0,252}$/;

/** The control plane's interior router id unless `spec.router.id` says otherwise. */
export const DEFAULT_ROUTER_ID = 'default-router';

export function isRouterId(name: string): boolean {
  return ROUTER_ID_PATTERN.test(name);
}

export function isAddressSegment(name: string): boolean {
  return ADDRESS_SEGMENT_PATTERN.test(name);
}

export const ROUTER_ID_RULE = 'a letter or digit followed by at most 62 letters, digits, `.`, `_` or `-`';
export const ADDRESS_SEGMENT_RULE = "no '/', spaces, '#' or '*', and not starting with '$'";
