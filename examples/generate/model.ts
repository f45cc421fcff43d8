/**
 * Types of the example-traffic model: load balancers with their nodes, listeners and backend pools, the
 * kinds of request they serve, and incidents whose causes are known because they are built in.
 */

export type GeneratedFormat = 'otc-elb' | 'alb' | 'clb';

/** One node of a load balancer: it writes its own log object per delivery interval. */
export interface NodeSpec {
  /** Node IP (ALB/CLB object keys carry it). */
  ip: string;
  /** Offset of the node's local clock in minutes (OTC `time_iso8601`); 0 for AWS. */
  utcOffsetMinutes: number;
  /** OTC only: how many fields the node writes (33 before the 2025 additions, 37 after). */
  otcFieldCount?: 33 | 37;
  /** The node only exists in [activeFrom, activeTo) (ALB node replacement). */
  activeFrom?: number;
  activeTo?: number;
}

export interface ListenerSpec {
  port: number;
  scheme: 'http' | 'https' | 'tcp';
  /** OTC `listener_name` and `listener_id`. */
  name?: string;
  id?: string;
  /** Share of the load balancer's requests that arrive on this listener. */
  weight: number;
  /** ALB: the listener only redirects to HTTPS (load-balancer-generated 301). */
  redirectToHttps?: boolean;
}

export interface PoolSpec {
  /** OTC `pool_<id>` / ALB target-group name. */
  name: string;
  /** OTC `pool_usr_name`. */
  displayName: string;
  /** ALB target-group ARN. */
  arn?: string;
  members: readonly string[];
}

/** How a kind of request usually ends: status mix, latency and sizes. */
export type RequestKind = 'page' | 'static' | 'api' | 'api-write' | 'auth' | 'scanner' | 'slow';

export interface PathSpec {
  /** `{id}`, `{n}`, `{hash}`, `{q}`, `{token}`, `{slug}`, `{ts}` are filled per request. */
  template: string;
  weight: number;
  methods: readonly string[];
  kind: RequestKind;
  /** Index into the load balancer's pools. */
  pool: number;
  /** Median response body in bytes. */
  bodyBytes: number;
  /** Median time to the backend's response header, seconds. */
  latency: number;
}

export interface HostSpec {
  name: string;
  weight: number;
  paths: readonly PathSpec[];
}

export interface LoadBalancerSpec {
  /** Short key used in file names and incident ids. */
  key: string;
  format: GeneratedFormat;
  /** The id the parser reports: OTC `lb_name`, ALB `elb`, CLB name. */
  name: string;
  /** ALB object key: `app.<name>.<id>`; CLB: the name. */
  keyName: string;
  /** OTC LTS log-stream name used in the object key, and its id (`access_log_topic_id`). */
  logStream?: string;
  logStreamId?: string;
  tenantId?: string;
  /** OTC elastic IP. */
  eip?: string;
  nodes: readonly NodeSpec[];
  listeners: readonly ListenerSpec[];
  pools: readonly PoolSpec[];
  hosts: readonly HostSpec[];
  /** Requests per second at the day's peak, across all nodes. */
  peakRate: number;
  /** Delivery interval of the log objects, minutes (ALB 5; CLB 5 or 60). */
  intervalMinutes: number;
  /** Share of HTTPS requests over HTTP/2 (ALB type `h2`). */
  http2Share: number;
  /** CLB: share of the TCP listener's connections. */
  tcpShare?: number;
}

/** What a built-in incident does to the requests it touches. */
export type IncidentKind =
  /** The member's port is wrong: every request to it fails at once, nothing reaches it. */
  | { type: 'backend-port'; member: string }
  /** The member resets some connections; it serves the rest normally. */
  | { type: 'backend-reset'; member: string; share: number }
  /** Connections to the member time out (OTC 5 s, ALB 10 s). */
  | { type: 'connect-timeout'; member: string; timeoutS: number }
  /** A security-group change blocks every member: every request times out connecting. */
  | { type: 'firewall'; timeoutS: number }
  /** Requests for a path hang until the response timeout, or until the client gives up (499/460). */
  | {
      type: 'response-timeout';
      pathPrefix: string;
      /** Share of the matching requests that hang. */
      share: number;
      /** Share of the hanging requests whose client waits for the timeout (the rest give up first). */
      waitShare: number;
      timeoutS: number;
      clientStatus: number;
    }
  /** ALB: the target group serving a path has no registered targets (LB-generated 503). */
  | { type: 'no-targets'; pathPrefix: string }
  /** The member answers with a malformed response (headers seen, client gets 502). */
  | { type: 'bad-response'; member: string; share: number }
  /** The member's application fails with 500 for a share of its requests. */
  | { type: 'backend-500'; member: string; share: number };

export interface IncidentSpec {
  id: string;
  /** {@link LoadBalancerSpec.key} of the load balancer it hits. */
  lb: string;
  /** The status code the incident produces and that should alert. */
  code: number;
  /** Epoch ms, aligned to 5 minutes; the incident touches requests whose log time is in [from, to). */
  from: number;
  to: number;
  expectedTopCause: string;
  description: string;
  kind: IncidentKind;
}

/** One backend attempt, as OTC writes them (ALB and CLB use the last one). Times in seconds, null = not recorded. */
export interface Attempt {
  member: string | null;
  status: number | null;
  connect: number | null;
  header: number | null;
  response: number | null;
}

/** One request as the generator models it, before it is written in a format. */
export interface RequestEvent {
  /** Epoch ms of the log entry (OTC `msec`, ALB `time`), and the microseconds below it (0-999). */
  endMs: number;
  endMicros: number;
  /** Epoch ms when the load balancer received the request (ALB `request_creation_time`, CLB `time`). */
  startMs: number;
  client: string;
  clientPort: number;
  listener: ListenerSpec;
  /** True for CLB TCP-listener connections (no HTTP fields). */
  tcp: boolean;
  websocket: boolean;
  protocol: string;
  method: string;
  host: string;
  /** Path and query as sent. */
  uri: string;
  userAgent: string;
  referer: string;
  /** Status the client received; null for TCP connections. */
  status: number | null;
  /** Backend attempts; empty when no member was chosen. */
  attempts: Attempt[];
  /** Seconds from the first request byte to the response (OTC `request_time`). */
  requestTime: number;
  requestBytes: number;
  requestHeaderBytes: number;
  responseBytes: number;
  bodyBytes: number;
  tlsProtocol: string | null;
  tlsCipher: string | null;
  /** The pool (target group) the request was routed to, or null (ALB redirect). */
  pool: PoolSpec | null;
  /** ALB `actions_executed`, `redirect_url`, `error_reason`, `matched_rule_priority`. */
  actions: string;
  redirectUrl: string | null;
  errorReason: string | null;
  rulePriority: number;
  /** OTC `tcpinfo_rtt`, microseconds. */
  rttMicros: number;
}
