/**
 * Request generation: for one load-balancer node and one delivery interval, the requests it logged, with
 * realistic clients, paths, status mix, timings and sizes, and the built-in incidents applied.
 */
import type {
  Attempt,
  IncidentSpec,
  ListenerSpec,
  LoadBalancerSpec,
  NodeSpec,
  PathSpec,
  PoolSpec,
  RequestEvent,
} from './model.js';
import { cumulativeWeights, Rng } from './prng.js';

const BROWSER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0',
  'Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.113 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.179 Mobile Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'curl/8.5.0',
];
const BROWSER_AGENT_WEIGHTS = cumulativeWeights([22, 6, 9, 7, 6, 2, 14, 5, 12, 6, 4, 2, 1.5, 0.5]);

const DEVICE_AGENTS = [
  'iot-agent/3.4.1 (TX-200; fw 2.1.7)',
  'iot-agent/3.4.1 (TX-210; fw 2.1.7)',
  'iot-agent/3.2.0 (TX-200; fw 2.0.3)',
  'okhttp/4.12.0',
  'Dalvik/2.1.0 (Linux; U; Android 12; TX-Hub Build/SQ3A.220705.004)',
  'python-requests/2.32.3',
  'Go-http-client/2.0',
];
const DEVICE_AGENT_WEIGHTS = cumulativeWeights([40, 18, 12, 14, 8, 5, 3]);

const SERVER_AGENTS = [
  'Apache-HttpClient/4.5.14 (Java/17.0.11)',
  'Go-http-client/1.1',
  'python-requests/2.31.0',
  'axios/1.7.2',
  'PartnerSync/5.2 (+https://partner.example.org/sync)',
];
const SERVER_AGENT_WEIGHTS = cumulativeWeights([30, 25, 20, 15, 10]);

const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const TLS13_WEIGHTS = cumulativeWeights([70, 22, 8]);
const TLS12 = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'];
const TLS12_WEIGHTS = cumulativeWeights([60, 30, 10]);

const IPV4_FIRST = [
  31, 37, 46, 62, 77, 78, 79, 80, 81, 84, 85, 87, 88, 91, 93, 94, 95, 176, 178, 185, 188, 193, 212, 217,
];
const IPV6_PREFIXES = ['2a02:8108', '2a01:c23', '2003:e6', '2a00:20', '2001:9e8', '2a02:810d'];
const SEARCH_TERMS = [
  'running+shoes',
  'rain+jacket',
  'usb-c+cable',
  'coffee+grinder',
  'yoga+mat',
  'gift+card',
  'laptop+bag',
];
const SLUGS = [
  'getting-started',
  'pricing',
  'release-notes-4-2',
  'api-limits',
  'sso-setup',
  'webhooks',
  'changelog',
  'faq',
];

interface Client {
  ip: string;
  agent: string;
  tlsProtocol: string;
  tlsCipher: string;
  http2: boolean;
  cookieBytes: number;
}

/** Day shape: quiet at night, ramping through the morning, peak early afternoon (local time = UTC+2). */
export function diurnalFactor(timeMs: number): number {
  const hour = (((timeMs / 3_600_000 + 2) % 24) + 24) % 24;
  const d = (hour - 13) / 4.5;
  return 0.25 + 0.75 * Math.exp(-d * d);
}

function ipv6Group(rng: Rng): string {
  return rng.int(0, 0xffff).toString(16);
}

function makeClients(lb: LoadBalancerSpec, seed: number, count: number): Client[] {
  const rng = Rng.derive(seed, `${lb.key}:clients`);
  const kind = lb.key.includes('iot') ? 'device' : lb.key.includes('partner') ? 'server' : 'browser';
  const clients: Client[] = [];
  for (let i = 0; i < count; i++) {
    const ip = rng.chance(0.12)
      ? `${rng.pick(IPV6_PREFIXES)}:${ipv6Group(rng)}:${ipv6Group(rng)}:${ipv6Group(rng)}:${ipv6Group(rng)}:${ipv6Group(rng)}:${ipv6Group(rng)}`
      : `${rng.pick(IPV4_FIRST)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
    const agent =
      kind === 'device'
        ? rng.pickWeighted(DEVICE_AGENTS, DEVICE_AGENT_WEIGHTS)
        : kind === 'server'
          ? rng.pickWeighted(SERVER_AGENTS, SERVER_AGENT_WEIGHTS)
          : rng.pickWeighted(BROWSER_AGENTS, BROWSER_AGENT_WEIGHTS);
    const tls13 = rng.chance(kind === 'server' ? 0.45 : 0.72);
    clients.push({
      ip,
      agent,
      tlsProtocol: tls13 ? 'TLSv1.3' : 'TLSv1.2',
      tlsCipher: tls13 ? rng.pickWeighted(TLS13, TLS13_WEIGHTS) : rng.pickWeighted(TLS12, TLS12_WEIGHTS),
      http2: kind === 'browser' && rng.chance(lb.http2Share),
      cookieBytes: kind === 'browser' ? rng.int(0, 900) : rng.int(0, 60),
    });
  }
  return clients;
}

/** Cumulative probabilities of the non-200 statuses per request kind (the rest is the kind's success code). */
const STATUS_MIX: Record<PathSpec['kind'], ReadonlyArray<readonly [number, number]>> = {
  page: [
    [404, 0.008],
    [301, 0.013],
    [304, 0.025],
    [403, 0.026],
    [500, 0.0264],
  ],
  static: [
    [304, 0.3],
    [404, 0.31],
    [206, 0.315],
  ],
  api: [
    [400, 0.012],
    [401, 0.02],
    [403, 0.022],
    [404, 0.032],
    [409, 0.034],
    [429, 0.035],
    [500, 0.0356],
    [503, 0.0358],
  ],
  'api-write': [
    [400, 0.02],
    [401, 0.026],
    [409, 0.031],
    [422, 0.039],
    [500, 0.0398],
  ],
  auth: [
    [401, 0.09],
    [403, 0.096],
    [302, 0.25],
  ],
  scanner: [
    [404, 0.85],
    [403, 1],
  ],
  slow: [[500, 0.002]],
};

function successStatus(kind: PathSpec['kind'], method: string): number {
  return kind === 'api-write' && method === 'POST' ? 201 : 200;
}

function pickStatus(rng: Rng, path: PathSpec, method: string): number {
  const x = rng.next();
  for (const [status, upTo] of STATUS_MIX[path.kind]) if (x < upTo) return status;
  return successStatus(path.kind, method);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Fills `{id}`-style placeholders of a path template. */
function fillTemplate(rng: Rng, template: string, timeMs: number): string {
  if (!template.includes('{')) return template;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    switch (name) {
      case 'id':
        return String(rng.int(10_000, 999_999));
      case 'n':
        return String(rng.int(1, 12));
      case 'hash':
        return rng.hex(8);
      case 'q':
        return rng.pick(SEARCH_TERMS);
      case 'token':
        return rng.hex(32);
      case 'slug':
        return rng.pick(SLUGS);
      case 'ts':
        return String(Math.floor(timeMs / 1000) - rng.int(60, 3600));
      default:
        return name;
    }
  });
}

interface WeightedPath {
  host: string;
  path: PathSpec;
}

/** Where an incident applies in time: once, or repeating every `periodMs` from `origin` (benchmark data). */
export interface IncidentClock {
  origin: number;
  periodMs: number | null;
}

/**
 * Generates a load balancer's requests. Every (node, interval) pair draws from its own seeded stream, so
 * files can be generated in any order and the output stays the same.
 */
export class TrafficGenerator {
  private readonly clients: Client[];
  private readonly clientWeights: number[];
  private readonly paths: WeightedPath[];
  private readonly pathWeights: number[];
  private readonly listenerWeights: number[];
  private readonly incidents: readonly IncidentSpec[];

  constructor(
    readonly lb: LoadBalancerSpec,
    private readonly seed: number,
    incidents: readonly IncidentSpec[],
    private readonly clock: IncidentClock = { origin: 0, periodMs: null },
    /** Multiplies the request rate (benchmark data). */
    private readonly rateScale = 1,
  ) {
    this.clients = makeClients(lb, seed, 2500);
    // A few heavy clients (offices, NAT gateways, partner servers), a long tail of light ones.
    this.clientWeights = cumulativeWeights(this.clients.map((_, i) => 1 / (i + 1) ** 0.7));
    this.paths = lb.hosts.flatMap((h) => h.paths.map((p) => ({ host: h.name, path: p })));
    this.pathWeights = cumulativeWeights(lb.hosts.flatMap((h) => h.paths.map((p) => h.weight * p.weight)));
    this.listenerWeights = cumulativeWeights(lb.listeners.map((l) => l.weight));
    this.incidents = incidents.filter((i) => i.lb === lb.key);
  }

  /** Nodes active during [from, to). */
  activeNodes(from: number, to: number): NodeSpec[] {
    return this.lb.nodes.filter((n) => (n.activeFrom ?? -Infinity) < to && (n.activeTo ?? Infinity) > from);
  }

  /** Requests one node logged with a log time in [from, to), in log-time order. */
  requests(node: NodeSpec, from: number, to: number): RequestEvent[] {
    const rng = Rng.derive(this.seed, `${this.lb.key}:${node.ip}:${from}`);
    const active = this.activeNodes(from, to);
    if (!active.includes(node)) return [];
    const seconds = (to - from) / 1000;
    const minuteNoise = 1 + 0.07 * rng.normal();
    const mean =
      (this.lb.peakRate * this.rateScale * diurnalFactor(from + (to - from) / 2) * seconds * minuteNoise) /
      active.length;
    const count = Math.max(0, Math.round(mean + Math.sqrt(Math.max(mean, 0)) * rng.normal()));
    const times: number[] = [];
    for (let i = 0; i < count; i++) times.push(from + Math.floor(rng.next() * (to - from)));
    times.sort((a, b) => a - b);
    const events: RequestEvent[] = [];
    for (const t of times) events.push(this.request(rng, t));
    return events;
  }

  private request(rng: Rng, endMs: number): RequestEvent {
    const lb = this.lb;
    const client = rng.pickWeighted(this.clients, this.clientWeights);
    const listener: ListenerSpec = rng.pickWeighted(lb.listeners, this.listenerWeights);
    const { host, path } = rng.pickWeighted(this.paths, this.pathWeights);
    const method = rng.pick(path.methods);
    const uri = fillTemplate(rng, path.template, endMs);
    const https = listener.scheme === 'https';
    const pool: PoolSpec = lb.pools[path.pool] ?? lb.pools[0]!;
    const member = rng.pick(pool.members);
    const isBrowser = client.agent.startsWith('Mozilla');
    const event: RequestEvent = {
      endMs,
      endMicros: rng.int(0, 999),
      startMs: endMs,
      client: client.ip,
      clientPort: rng.int(1024, 65535),
      listener,
      tcp: listener.scheme === 'tcp',
      websocket: false,
      protocol: https && client.http2 ? 'HTTP/2.0' : 'HTTP/1.1',
      method,
      host,
      uri,
      userAgent: client.agent,
      referer: isBrowser && path.kind !== 'api' && rng.chance(0.6) ? `https://${host}/` : '-',
      status: null,
      attempts: [],
      requestTime: 0,
      requestBytes: 0,
      requestHeaderBytes: 0,
      responseBytes: 0,
      bodyBytes: 0,
      tlsProtocol: https ? client.tlsProtocol : null,
      tlsCipher: https ? client.tlsCipher : null,
      pool,
      actions: 'forward',
      redirectUrl: null,
      errorReason: null,
      rulePriority: path.pool === 0 ? 0 : 10,
      rttMicros: Math.round(rng.logNormal(client.ip.includes(':') ? 24_000 : 31_000, 0.5)),
    };
    event.requestHeaderBytes =
      180 + host.length + uri.length + client.agent.length + client.cookieBytes + rng.int(0, 120);
    const requestBody = method === 'POST' ? Math.round(rng.logNormal(path.kind === 'api-write' ? 640 : 310, 0.8)) : 0;
    event.requestBytes = event.requestHeaderBytes + requestBody;

    if (event.tcp) {
      this.tcpConnection(rng, event, member);
    } else if (listener.redirectToHttps) {
      this.redirect(event);
    } else {
      this.served(rng, event, path, member, requestBody);
    }
    if (!this.applyIncident(rng, event, path) && lb.format === 'otc-elb') this.backgroundRetry(rng, event, pool);
    event.startMs = event.endMs - Math.round(event.requestTime * 1000);
    return event;
  }

  private served(rng: Rng, event: RequestEvent, path: PathSpec, member: string, requestBody: number): void {
    let status = pickStatus(rng, path, event.method);
    const connect = round3(Math.min(rng.logNormal(0.0009, 0.6), 0.05));
    let header = rng.logNormal(path.latency, 0.55);
    if (status === 304 || status === 404 || status === 401 || status === 403 || status === 301) header *= 0.4;
    if (status === 500) header *= 0.6;
    header = round3(Math.max(header, 0.001));
    let body: number;
    if (status === 304) body = 0;
    else if (status === 301 || status === 302) body = rng.int(150, 190);
    else if (status >= 400) body = rng.int(60, 1400);
    else if (path.kind === 'static') body = Math.round(rng.logNormal(path.bodyBytes, 0.15));
    else body = Math.round(rng.logNormal(path.bodyBytes, 0.4));
    const response = round3(header + body / 80_000_000);
    const uploadTime = requestBody / rng.logNormal(2_000_000, 0.8);
    const downloadTime = body / rng.logNormal(6_000_000, 0.9);
    let requestTime = round3(response + connect + uploadTime + downloadTime + rng.uniform(0, 0.0015));
    const attempt: Attempt = { member, status, connect, header, response };
    // Clients that give up before the answer: 499 on OTC, 460 on ALB, at a low background rate.
    if (this.lb.format !== 'clb' && rng.chance(path.kind === 'slow' ? 0.02 : 0.0015)) {
      status = this.lb.format === 'alb' ? 460 : 499;
      requestTime = round3(rng.logNormal(4, 0.7));
      attempt.status = null;
      attempt.header = null;
      attempt.response = requestTime;
      body = 0;
    }
    event.status = status;
    event.attempts = [attempt];
    event.requestTime = requestTime;
    event.bodyBytes = body;
    event.responseBytes = body + (status === 499 || status === 460 ? 0 : rng.int(230, 470));
  }

  private redirect(event: RequestEvent): void {
    event.status = 301;
    event.pool = null;
    event.actions = 'redirect';
    event.redirectUrl = `https://${event.host}:443${event.uri}`;
    event.requestTime = 0;
    event.bodyBytes = 134;
    event.responseBytes = 134 + 160 + event.redirectUrl.length;
  }

  private tcpConnection(rng: Rng, event: RequestEvent, member: string): void {
    const duration = round3(rng.logNormal(0.4, 1.2));
    event.status = null;
    event.attempts = [
      { member, status: null, connect: round3(rng.uniform(0.0005, 0.0012)), header: null, response: null },
    ];
    event.requestTime = duration;
    event.requestBytes = Math.round(rng.logNormal(900, 1));
    event.responseBytes = Math.round(rng.logNormal(2400, 1));
    event.bodyBytes = event.responseBytes;
    event.protocol = '';
    event.method = '';
    event.host = '';
    event.uri = '';
    event.userAgent = '-';
  }

  /** nginx-style retry after a failed first attempt: rare, and only where no incident is running. */
  private backgroundRetry(rng: Rng, event: RequestEvent, pool: PoolSpec): void {
    if (!rng.chance(0.0006)) return;
    const final = event.attempts[0];
    if (final === undefined || final.status === null || final.header === null) return;
    const first = pool.members.find((m) => m !== final.member) ?? final.member;
    const failed = round3(rng.uniform(0.001, 0.003));
    event.attempts = [{ member: first, status: 502, connect: null, header: null, response: failed }, final];
    event.requestTime = round3(event.requestTime + failed);
  }

  private activeIncident(timeMs: number): IncidentSpec | undefined {
    for (const incident of this.incidents) {
      let t = timeMs;
      if (this.clock.periodMs !== null) {
        const offset =
          (((timeMs - this.clock.origin) % this.clock.periodMs) + this.clock.periodMs) % this.clock.periodMs;
        t = this.clock.origin + offset;
      }
      if (t >= incident.from && t < incident.to) return incident;
    }
    return undefined;
  }

  /** Rewrites the request when a built-in incident touches it; returns whether one did. */
  private applyIncident(rng: Rng, event: RequestEvent, path: PathSpec): boolean {
    const incident = this.activeIncident(event.endMs);
    const attempt = event.attempts[0];
    if (incident === undefined || event.tcp || event.pool === null || attempt === undefined) return false;
    const kind = incident.kind;
    const member = attempt.member;
    const lbError = (status: number, body: number): void => {
      event.status = status;
      event.bodyBytes = body;
      event.responseBytes = body + 160;
    };
    switch (kind.type) {
      case 'backend-port':
      case 'backend-reset': {
        if (member !== kind.member) return false;
        if (kind.type === 'backend-reset' && !rng.chance(kind.share)) return false;
        const elapsed = round3(rng.uniform(0.001, 0.003));
        event.attempts = [{ member, status: 502, connect: null, header: null, response: elapsed }];
        event.requestTime = round3(elapsed + rng.uniform(0, 0.001));
        lbError(502, 166);
        return true;
      }
      case 'connect-timeout':
      case 'firewall': {
        if (kind.type === 'connect-timeout' && member !== kind.member) return false;
        if (kind.type === 'firewall' && rng.chance(0.03)) {
          // An impatient client hangs up before the connect timeout.
          const waited = round3(rng.uniform(1, kind.timeoutS - 0.5));
          event.attempts = [{ member, status: null, connect: null, header: null, response: waited }];
          event.requestTime = waited;
          lbError(this.lb.format === 'alb' ? 460 : 499, 0);
          return true;
        }
        const elapsed = round3(kind.timeoutS + rng.uniform(0.0005, 0.004));
        event.attempts = [{ member, status: 504, connect: null, header: null, response: elapsed }];
        event.requestTime = round3(elapsed + rng.uniform(0, 0.001));
        lbError(504, 160);
        return true;
      }
      case 'response-timeout': {
        if (!path.template.startsWith(kind.pathPrefix) || !rng.chance(kind.share)) return false;
        const connect = attempt.connect ?? 0.001;
        if (rng.chance(kind.waitShare)) {
          const elapsed = round3(kind.timeoutS + rng.uniform(0.0005, 0.003));
          event.attempts = [{ member, status: 504, connect, header: null, response: elapsed }];
          event.requestTime = round3(elapsed + connect);
          lbError(504, 160);
        } else {
          const waited = round3(Math.min(rng.logNormal(25, 0.5), kind.timeoutS - 5));
          event.attempts = [{ member, status: null, connect, header: null, response: waited }];
          event.requestTime = waited;
          lbError(kind.clientStatus, 0);
        }
        return true;
      }
      case 'no-targets': {
        if (!path.template.startsWith(kind.pathPrefix)) return false;
        event.attempts = [];
        event.requestTime = 0;
        lbError(503, 162);
        return true;
      }
      case 'bad-response': {
        if (member !== kind.member || !rng.chance(kind.share)) return false;
        const header = round3(rng.logNormal(0.03, 0.4));
        event.attempts = [{ member, status: null, connect: attempt.connect, header, response: null }];
        event.requestTime = round3(header + rng.uniform(0.0005, 0.002));
        lbError(502, 122);
        return true;
      }
      case 'backend-500': {
        if (member !== kind.member || !rng.chance(kind.share)) return false;
        const header = round3(rng.logNormal(0.012, 0.5));
        event.attempts = [{ member, status: 500, connect: attempt.connect, header, response: round3(header + 0.001) }];
        event.status = 500;
        event.requestTime = round3(header + rng.uniform(0.001, 0.004));
        event.bodyBytes = rng.int(80, 240);
        event.responseBytes = event.bodyBytes + rng.int(230, 300);
        return true;
      }
    }
  }
}
