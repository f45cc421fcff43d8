/** The log formats lbwatch reads. */
export type LogFormat = 'otc-elb' | 'alb' | 'clb';
export const LOG_FORMATS: readonly LogFormat[] = ['otc-elb', 'alb', 'clb'];

/** Who produced the status code the client received. */
export type StatusSource = 'lb' | 'backend';

/** One backend attempt (OTC/Huawei retries write several; ALB and CLB always have at most one). */
export interface BackendAttempt {
  /** `ip:port` of the member, or null when the attempt has `-`. */
  member: string | null;
  /** Status the backend returned on this attempt, or null (`-`). */
  status: number | null;
  /** Seconds, or null when not recorded (`-` / `-1`). */
  connectTime: number | null;
  headerTime: number | null;
  responseTime: number | null;
}

/**
 * One access-log line, the same shape for every format. Times in seconds unless named `...Ms`;
 * `null` means "not recorded" (`-`, `-1`), never zero.
 */
export interface LogRecord {
  format: LogFormat;
  /** UTC epoch milliseconds of the log entry: OTC `msec`, ALB `time` (response sent), CLB `time` (request received). */
  time: number;
  /** OTC `lb_name`, ALB `elb` (`app/name/id`), CLB load balancer name. */
  loadBalancer: string;
  /** OTC `listener_name`; null for ALB/CLB (they log no listener id). */
  listener: string | null;
  /** Frontend port: OTC `eip_port`, ALB/CLB the port in the request URL; null when unknown. */
  frontendPort: number | null;
  /** Client IP (IPv6 without brackets) and port. */
  client: string | null;
  clientPort: number | null;
  /** HTTP status the client received; null when the line has none (CLB TCP listener). */
  status: number | null;
  /** Status from the final backend attempt; null when no backend answered. */
  backendStatus: number | null;
  /** Who produced `status`; null when `status` is null. See error-codes.md "Who generated the code". */
  generatedBy: StatusSource | null;
  /** The final backend member (`ip:port`) tried, or null. */
  member: string | null;
  /** Every backend attempt when there was more than one (OTC retries), else null. The last one is final. */
  attempts: readonly BackendAttempt[] | null;
  /** Whether a backend connection was established on the final attempt; null when the format cannot tell. */
  backendConnected: boolean | null;
  /** Total time the load balancer spent on the request (OTC `request_time`; ALB `time - request_creation_time`; CLB sum of the three times). */
  requestTime: number | null;
  /** Final attempt's connect time (OTC `upstream_connect_time`); null on ALB/CLB. */
  connectTime: number | null;
  /** Time to the backend's response header: OTC `upstream_header_time`, ALB `target_processing_time`, CLB `backend_processing_time`. */
  headerTime: number | null;
  /** Time to the backend's full response: OTC `upstream_response_time`; null on ALB/CLB. */
  responseTime: number | null;
  /** Request method, or null when the request line is missing (`-`) or unparseable. */
  method: string | null;
  /** `http`/`https`/... from the request URL, lower case. */
  scheme: string | null;
  host: string | null;
  /**
   * URL path without the query string (query strings carry tokens and personal data); null when the parser was asked
   * for the analysis fields only.
   */
  path: string | null;
  /**
   * The path with every id between `/` and `.` replaced by `{id}` (an id: only hex digits, `-` and `_`, with a decimal
   * digit or 8 hex digits): `/images/products/173035.webp` is `/images/products/{id}.webp`. Windows count per host and
   * grouped path.
   */
  pathGroup: string | null;
  /** Byte length of the whole request URI as logged, query included (evidence for 414). */
  uriLength: number;
  /** `HTTP/1.1`, `HTTP/2.0`, ...; null when absent. */
  protocol: string | null;
  /** True when the request line was absent or could not be split into method, URL and protocol. */
  requestLineMalformed: boolean;
  /** Bytes received from the client (OTC `request_length`, ALB `received_bytes`, CLB `received_bytes`). */
  requestBytes: number | null;
  /** Bytes sent to the client. */
  responseBytes: number | null;
  userAgent: string | null;
  tlsProtocol: string | null;
  tlsCipher: string | null;
  /** ALB `error_reason`, OTC `error_reason` (2025 WAF field); null when `-`/absent. */
  errorReason: string | null;
  /** ALB desync `classification`; null when `-`/absent. */
  classification: string | null;
  /** ALB/OTC `actions_executed`; null when `-`/absent. */
  actionsExecuted: string | null;
  /** Every field as logged (quotes removed), only when the parser was asked for it (`keepRaw`). */
  raw?: readonly string[];
}
