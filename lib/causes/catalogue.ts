/**
 * The error-code table as data. Ids are stable: alerts, tests and users' tooling refer to them, so never rename
 * one (add a new id instead). Order within a code is the table's order, used when evidence says nothing.
 */
export interface CauseDefinition {
  code: number;
  id: string;
  title: string;
  /** A cause tied to particular backend members (as opposed to the network or the LB configuration). */
  memberSpecific: boolean;
}

function cause(code: number, id: string, title: string, memberSpecific = false): CauseDefinition {
  return Object.freeze({ code, id, title, memberSpecific });
}

/** From the ELB FAQ "How Can I Handle Error Codes?" (the ids every platform uses for these codes). */
const TABLE: readonly CauseDefinition[] = [
  cause(400, '400.malformed-request', 'the client sent a request that does not follow the HTTP specification'),
  cause(400, '400.http-to-https-port', "a plain-HTTP request was sent to the HTTPS listener's port"),
  cause(400, '400.header-too-large', 'the request header exceeded 64 KB'),
  cause(401, '401.backend-auth-failed', 'authentication on the backend server failed', true),
  cause(403, '403.backend-rejected', 'the backend server intercepted the request', true),
  cause(404, '404.backend-app-missing', 'the backend is abnormal or the application does not exist', true),
  cause(404, '404.forwarding-policy', 'the forwarding policy is wrong, so the request did not reach the right backend'),
  cause(408, '408.client-request-timeout', 'the client did not send its request within the wait time'),
  cause(413, '413.body-too-large', 'the request body exceeded the size limit'),
  cause(414, '414.uri-too-long', 'the request URL or query string was too long'),
  cause(499, '499.client-closed', 'the client disconnected before the load balancer answered'),
  cause(500, '500.backend-error', 'internal error on the backend', true),
  cause(501, '501.transfer-encoding', 'Transfer-Encoding is neither chunked nor identity'),
  cause(502, '502.backend-port', "the backend server's port is configured wrongly", true),
  cause(502, '502.backend-reset', 'the backend answered the connection or the request with a TCP RST', true),
  cause(502, '502.bad-backend-response', "the backend's response was malformed or had an invalid header", true),
  cause(502, '502.backend-network', 'the backend network is misconfigured (routes, firewall)'),
  cause(503, '503.backend-unavailable', 'the application or backend is unavailable', true),
  cause(
    504,
    '504.connect-timeout',
    'the connection to the backend was not established within the connect timeout',
    true,
  ),
  cause(504, '504.response-timeout', 'the backend did not answer within the response timeout', true),
  cause(504, '504.firewall', "the subnet's firewall does not let the load balancer reach the backends"),
];

/** Codes the table lacks: AWS ALB/CLB's own (formats.md 2.5). */
const PLATFORM: readonly CauseDefinition[] = [
  cause(
    405,
    '405.method-not-allowed',
    'the method is not supported (ALB: TRACE; CLB: method longer than 127 characters)',
  ),
  cause(460, '460.client-closed', 'the client closed the connection before the ALB idle timeout'),
  cause(463, '463.xff-too-long', 'the X-Forwarded-For header carried more than 30 addresses'),
  cause(464, '464.protocol-mismatch', "the request protocol does not match the target group's protocol version"),
  cause(505, '505.http-version', 'the request used an HTTP version the connection does not support'),
  cause(507, '507.redirect-url-too-long', 'the redirect URL was too long'),
  cause(561, '561.idp-error', 'the identity provider returned an error to the authenticate action'),
];

/** For any other code: who generated it is all the log can say. */
const UNLISTED_BACKEND = cause(0, 'unlisted.backend-returned', 'the backend returned this code itself', true);
const UNLISTED_LB = cause(0, 'unlisted.lb-generated', 'the load balancer generated this code itself');

/** Every cause with its stable id, table order. */
export const CAUSE_CATALOGUE: readonly CauseDefinition[] = Object.freeze([...TABLE, ...PLATFORM]);

/** The candidate causes of a status code, table order; codes outside the catalogue get the two generic ones. */
export function causesFor(code: number): CauseDefinition[] {
  const listed = CAUSE_CATALOGUE.filter((c) => c.code === code);
  if (listed.length > 0) return listed;
  return [UNLISTED_BACKEND, UNLISTED_LB].map((c) => ({ ...c, code }));
}
