/**
 * The example estate: two OTC/Huawei ELBs, two AWS ALBs and one AWS Classic LB, four hours of a weekday
 * morning (07:00-11:00 local time, +02:00), and the incidents built into that traffic.
 */
import type { HostSpec, IncidentSpec, LoadBalancerSpec, PathSpec } from './model.js';

const MINUTE = 60_000;

/** Start of the example period (07:00 +02:00). */
export const EXAMPLE_START = Date.UTC(2026, 5, 16, 5, 0, 0);
/** End of the example period (exclusive). */
export const EXAMPLE_END = EXAMPLE_START + 4 * 60 * MINUTE;
/** The seed every example file derives from. */
export const EXAMPLE_SEED = 20260616;

export const AWS_ACCOUNT = '123456789012';
export const AWS_REGION = 'eu-central-1';
export const OTC_REGION = 'eu-de';
export const OTC_LOG_GROUP = 'lbwatch-prod';

const at = (hh: number, mm: number): number => Date.UTC(2026, 5, 16, hh, mm, 0);

function path(
  template: string,
  weight: number,
  kind: PathSpec['kind'],
  bodyBytes: number,
  latency: number,
  methods: readonly string[] = ['GET'],
  pool = 0,
): PathSpec {
  return { template, weight, kind, bodyBytes, latency, methods, pool };
}

const shopPaths: readonly PathSpec[] = [
  path('/', 8, 'page', 38_000, 0.045),
  path('/products/{id}', 20, 'page', 52_000, 0.06),
  path('/search?q={q}&page={n}', 9, 'page', 41_000, 0.12),
  path('/static/js/app.{hash}.js', 16, 'static', 182_000, 0.002),
  path('/static/css/main.{hash}.css', 7, 'static', 41_000, 0.002),
  path('/images/products/{id}.webp', 15, 'static', 64_000, 0.004),
  path('/api/v1/cart', 8, 'api', 1_400, 0.03, ['GET', 'GET', 'POST']),
  path('/api/v1/checkout', 3, 'api-write', 900, 0.35, ['POST']),
  path('/account/login?token={token}', 2, 'auth', 2_100, 0.08, ['GET', 'POST']),
  path('/account/orders', 3, 'page', 27_000, 0.09),
  path('/robots.txt', 0.6, 'static', 120, 0.001),
  path('/favicon.ico', 1, 'static', 4_286, 0.001),
  path('/wp-login.php', 0.3, 'scanner', 160, 0.002),
  path('/.env', 0.2, 'scanner', 160, 0.002),
];

const apiPaths: readonly PathSpec[] = [
  path('/v2/devices/{id}/telemetry', 34, 'api-write', 60, 0.018, ['POST']),
  path('/v2/devices/{id}', 14, 'api', 1_900, 0.025),
  path('/v2/devices/{id}/config?token={token}', 9, 'api', 3_300, 0.03),
  path('/v2/auth/token', 6, 'auth', 780, 0.09, ['POST']),
  path('/v2/firmware/latest?model=TX-{n}&token={token}', 4, 'api', 520, 0.02),
  path('/v2/events?since={ts}&limit=100', 8, 'api', 14_000, 0.07),
  path('/v2/status', 2, 'api', 90, 0.002),
  path('/v1/devices/{id}', 0.4, 'scanner', 120, 0.003),
];

const webPaths: readonly PathSpec[] = [
  path('/', 10, 'page', 29_000, 0.03),
  path('/docs/{slug}', 16, 'page', 46_000, 0.05),
  path('/blog/{slug}', 9, 'page', 35_000, 0.04),
  path('/assets/{hash}.js', 14, 'static', 210_000, 0.002),
  path('/assets/{hash}.css', 6, 'static', 38_000, 0.002),
  path('/assets/img/{slug}.png', 10, 'static', 84_000, 0.003),
  path('/api/v1/search?q={q}', 9, 'api', 6_200, 0.09, ['GET'], 1),
  path('/api/v1/session?token={token}', 5, 'auth', 700, 0.02, ['GET', 'POST'], 1),
  path('/api/v1/feedback', 1.5, 'api-write', 80, 0.06, ['POST'], 1),
  path('/api/v1/notifications', 2, 'api', 1_100, 0.04, ['GET'], 1),
  path('/sitemap.xml', 0.5, 'static', 19_000, 0.01),
  path('/xmlrpc.php', 0.2, 'scanner', 150, 0.002),
];

const partnerPaths: readonly PathSpec[] = [
  path('/partner/v1/quotes?sku={id}&qty={n}&token={token}', 30, 'api', 1_100, 0.06),
  path('/partner/v1/orders/{id}', 18, 'api', 2_400, 0.04),
  path('/partner/v1/orders', 10, 'api-write', 700, 0.16, ['POST']),
  path('/partner/v1/catalog?page={n}', 12, 'api', 22_000, 0.11),
  path('/partner/v1/stock/{id}', 15, 'api', 300, 0.015),
  path('/partner/v1/ping', 2, 'api', 20, 0.001),
];

const adminPaths: readonly PathSpec[] = [
  path('/admin/', 10, 'page', 18_000, 0.08),
  path('/admin/reports?from={ts}&format=csv', 3, 'slow', 240_000, 1.6),
  path('/admin/users/{id}', 6, 'page', 9_000, 0.05, ['GET', 'POST']),
  path('/admin/static/{hash}.js', 8, 'static', 96_000, 0.002),
  path('/login', 3, 'auth', 3_000, 0.06, ['GET', 'POST']),
];

const hosts = (entries: Array<[string, number, readonly PathSpec[]]>): HostSpec[] =>
  entries.map(([name, weight, paths]) => ({ name, weight, paths }));

export const LOAD_BALANCERS: readonly LoadBalancerSpec[] = [
  {
    key: 'otc-shop',
    format: 'otc-elb',
    name: 'loadbalancer_7c1e4a52-3b8d-4f0e-9a61-2d5c8e9b4f13',
    keyName: 'elb-shop-access',
    logStream: 'elb-shop-access',
    logStreamId: '5b2f0c8e-91d4-4a6b-b37e-0e4c2a9d1f58',
    tenantId: '0f3a6c9e2b5d48a1b7c4e9f2a6d3b8c1',
    eip: '80.158.23.117',
    nodes: [
      { ip: '100.125.4.18', utcOffsetMinutes: 120, otcFieldCount: 37 },
      { ip: '100.125.4.77', utcOffsetMinutes: 120, otcFieldCount: 37 },
    ],
    listeners: [
      {
        port: 443,
        scheme: 'https',
        weight: 0.93,
        name: 'listener_4d8a2e61-0c5b-4f37-8e19-b2a7c6d3e540',
        id: '9a1c3e5b7d2f4a6c8e0b1d3f5a7c9e2b',
      },
      {
        port: 80,
        scheme: 'http',
        weight: 0.07,
        name: 'listener_e07b3c95-6a1d-4b28-9f4e-1c8d5a2b7f36',
        id: '2c4e6a8b0d1f3a5c7e9b2d4f6a8c0e1d',
      },
    ],
    pools: [
      {
        name: 'pool_3e9d1b6a-5c2f-4e80-a7d4-8b1f0c6e2a95',
        displayName: 'shop-web',
        members: ['10.0.1.11:8080', '10.0.1.12:8080', '10.0.1.13:8080', '10.0.1.14:8080'],
      },
    ],
    hosts: hosts([
      ['www.shop.example.com', 0.9, shopPaths],
      ['shop.example.com', 0.1, shopPaths],
    ]),
    peakRate: 2.6,
    intervalMinutes: 5,
    http2Share: 0,
  },
  {
    key: 'otc-iot',
    format: 'otc-elb',
    name: 'loadbalancer_a41f5d08-7e2c-4b93-8d61-3f0e9c2b7a54',
    keyName: 'elb-iot-access',
    logStream: 'elb-iot-access',
    logStreamId: 'c7e1a3d5-2b4f-4c6e-8a0d-9f1b3e5c7a2d',
    tenantId: '0f3a6c9e2b5d48a1b7c4e9f2a6d3b8c1',
    eip: '80.158.61.204',
    nodes: [
      { ip: '100.125.9.31', utcOffsetMinutes: 120, otcFieldCount: 37 },
      // A node still configured for the Huawei (Asia) time zone and on the older 33-field format.
      { ip: '100.125.9.96', utcOffsetMinutes: 480, otcFieldCount: 33 },
    ],
    listeners: [
      {
        port: 443,
        scheme: 'https',
        weight: 1,
        name: 'listener_b6d0f2a4-8c1e-4a3b-9d5f-7e2c4a6b8d01',
        id: '7f1e3d5c9b2a4e6d8c0f1a3b5d7e9c2a',
      },
    ],
    pools: [
      {
        name: 'pool_d2a8c4e6-1b3f-4d5a-9c7e-0f2b4d6a8c13',
        displayName: 'iot-ingest',
        members: ['10.0.2.21:8080', '10.0.2.22:8080', '10.0.2.23:8080', '10.0.2.24:8080', '10.0.2.25:8080'],
      },
    ],
    hosts: hosts([['api.iot.example.net', 1, apiPaths]]),
    peakRate: 1.95,
    intervalMinutes: 5,
    http2Share: 0,
  },
  {
    key: 'alb-web',
    format: 'alb',
    name: 'app/web-prod/3f9a1c2b7d4e5f60',
    keyName: 'app.web-prod.3f9a1c2b7d4e5f60',
    nodes: [
      { ip: '10.20.1.37', utcOffsetMinutes: 0 },
      // AWS replaced this node at 07:00 UTC: the old node's last object is empty (0 bytes).
      { ip: '10.20.2.154', utcOffsetMinutes: 0, activeTo: at(7, 0) },
      { ip: '10.20.2.201', utcOffsetMinutes: 0, activeFrom: at(7, 0) },
    ],
    listeners: [
      { port: 443, scheme: 'https', weight: 0.95 },
      { port: 80, scheme: 'http', weight: 0.05, redirectToHttps: true },
    ],
    pools: [
      {
        name: 'web-prod-site',
        displayName: 'web-prod-site',
        arn: `arn:aws:elasticloadbalancing:${AWS_REGION}:${AWS_ACCOUNT}:targetgroup/web-prod-site/6a0c2e4b8d1f3a57`,
        members: ['10.20.11.11:8080', '10.20.11.12:8080', '10.20.11.13:8080'],
      },
      {
        name: 'web-prod-api',
        displayName: 'web-prod-api',
        arn: `arn:aws:elasticloadbalancing:${AWS_REGION}:${AWS_ACCOUNT}:targetgroup/web-prod-api/b1d3f5a7c9e02468`,
        members: ['10.20.12.21:9000', '10.20.12.22:9000', '10.20.12.23:9000'],
      },
    ],
    hosts: hosts([
      ['www.example.com', 0.85, webPaths],
      ['example.com', 0.15, webPaths],
    ]),
    peakRate: 2.2,
    intervalMinutes: 5,
    http2Share: 0.55,
  },
  {
    key: 'alb-partner',
    format: 'alb',
    name: 'app/partner-api/8d04b6e1f2a39c57',
    keyName: 'app.partner-api.8d04b6e1f2a39c57',
    nodes: [
      { ip: '10.20.1.90', utcOffsetMinutes: 0 },
      { ip: '10.20.2.77', utcOffsetMinutes: 0 },
    ],
    listeners: [{ port: 443, scheme: 'https', weight: 1 }],
    pools: [
      {
        name: 'partner-api',
        displayName: 'partner-api',
        arn: `arn:aws:elasticloadbalancing:${AWS_REGION}:${AWS_ACCOUNT}:targetgroup/partner-api/0e2a4c6e8b1d3f59`,
        members: ['10.20.21.11:8443', '10.20.21.12:8443', '10.20.21.13:8443', '10.20.21.14:8443'],
      },
    ],
    hosts: hosts([['partner.example.com', 1, partnerPaths]]),
    peakRate: 1.25,
    intervalMinutes: 5,
    http2Share: 0.1,
  },
  {
    key: 'clb-admin',
    format: 'clb',
    name: 'legacy-admin',
    keyName: 'legacy-admin',
    nodes: [
      { ip: '52.58.101.17', utcOffsetMinutes: 0 },
      { ip: '3.120.44.203', utcOffsetMinutes: 0 },
    ],
    listeners: [
      { port: 443, scheme: 'https', weight: 0.8 },
      { port: 80, scheme: 'http', weight: 0.12 },
      { port: 5672, scheme: 'tcp', weight: 0.08 },
    ],
    pools: [
      {
        name: 'legacy-admin',
        displayName: 'legacy-admin',
        members: ['10.20.31.11:80', '10.20.31.12:80', '10.20.31.13:80'],
      },
    ],
    hosts: hosts([['admin.example.org', 1, adminPaths]]),
    peakRate: 0.12,
    intervalMinutes: 60,
    http2Share: 0,
  },
];

const shop = LOAD_BALANCERS[0]!;
const iot = LOAD_BALANCERS[1]!;
const web = LOAD_BALANCERS[2]!;
const partner = LOAD_BALANCERS[3]!;

/** The incidents built into the example traffic; their causes are known by construction. */
export const INCIDENTS: readonly IncidentSpec[] = [
  {
    id: 'shop-502-wrong-port',
    lb: shop.key,
    code: 502,
    from: at(5, 40),
    to: at(5, 55),
    expectedTopCause: '502.backend-port',
    description:
      'A redeploy moved the application on 10.0.1.14 to port 8081 while the pool still says 8080: every request sent to 10.0.1.14:8080 fails at once (LB-generated 502, no connection, ~2 ms) and that member answers nothing else.',
    kind: { type: 'backend-port', member: '10.0.1.14:8080' },
  },
  {
    id: 'web-503-no-targets',
    lb: web.key,
    code: 503,
    from: at(6, 5),
    to: at(6, 15),
    expectedTopCause: '503.backend-unavailable',
    description:
      'A deployment deregistered every target of the web-prod-api target group: requests for /api/ get an LB-generated 503 with target "-" and -1 timings; the site target group is unaffected.',
    kind: { type: 'no-targets', pathPrefix: '/api/' },
  },
  {
    id: 'iot-502-reset',
    lb: iot.key,
    code: 502,
    from: at(6, 30),
    to: at(6, 40),
    expectedTopCause: '502.backend-reset',
    description:
      'Member 10.0.2.23:8080 hits its connection limit and resets about half of the new connections (fast LB-generated 502 without a backend response) while serving the other half normally.',
    kind: { type: 'backend-reset', member: '10.0.2.23:8080', share: 0.55 },
  },
  {
    id: 'partner-502-bad-response',
    lb: partner.key,
    code: 502,
    from: at(6, 50),
    to: at(7, 0),
    expectedTopCause: '502.bad-backend-response',
    description:
      'A faulty build on target 10.20.21.12:8443 sends an invalid response header on most requests: the target was connected and started answering (target_processing_time recorded), but ALB returns 502 with target status "-".',
    kind: { type: 'bad-response', member: '10.20.21.12:8443', share: 0.8 },
  },
  {
    id: 'shop-504-connect-timeout',
    lb: shop.key,
    code: 504,
    from: at(7, 10),
    to: at(7, 20),
    expectedTopCause: '504.connect-timeout',
    description:
      'Host 10.0.1.12 hangs (kernel soft lockup): connections to 10.0.1.12:8080 are never accepted and each request ends with an LB-generated 504 after the 5 s connect timeout; the other members are fine.',
    kind: { type: 'connect-timeout', member: '10.0.1.12:8080', timeoutS: 5 },
  },
  {
    id: 'web-504-connect-timeout',
    lb: web.key,
    code: 504,
    from: at(7, 45),
    to: at(7, 55),
    expectedTopCause: '504.connect-timeout',
    description:
      'Target 10.20.11.13:8080 is unreachable (instance stopped without deregistration): requests to it end after the ALB 10 s connect timeout with 504, -1 timings and target status "-".',
    kind: { type: 'connect-timeout', member: '10.20.11.13:8080', timeoutS: 10 },
  },
  {
    id: 'iot-504-firewall',
    lb: iot.key,
    code: 504,
    from: at(8, 0),
    to: at(8, 10),
    expectedTopCause: '504.firewall',
    description:
      'A security-group change removes the rule that lets the load balancer reach port 8080: no member accepts a connection and every request ends with an LB-generated 504 after the 5 s connect timeout.',
    kind: { type: 'firewall', timeoutS: 5 },
  },
  {
    id: 'partner-500-one-target',
    lb: partner.key,
    code: 500,
    from: at(8, 20),
    to: at(8, 30),
    expectedTopCause: '500.backend-error',
    description:
      'Target 10.20.21.14:8443 lost its database credentials after a secret rotation and answers 500 to most requests; the other targets are healthy. The evidence should name 10.20.21.14:8443.',
    kind: { type: 'backend-500', member: '10.20.21.14:8443', share: 0.85 },
  },
  {
    id: 'shop-504-response-timeout',
    lb: shop.key,
    code: 504,
    from: at(8, 35),
    to: at(8, 45),
    expectedTopCause: '504.response-timeout',
    description:
      'A database lock makes POST /api/v1/checkout and the cart hang: connected requests get no response header; API clients wait for the 300 s response timeout (LB-generated 504) and browsers give up earlier (499).',
    kind: {
      type: 'response-timeout',
      pathPrefix: '/api/v1/',
      share: 0.97,
      waitShare: 0.75,
      timeoutS: 300,
      clientStatus: 499,
    },
  },
];
