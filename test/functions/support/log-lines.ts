/**
 * Real-shaped ALB access-log lines (the field order of the AWS documentation's examples), for
 * building log objects in tests.
 */
export interface AlbLineSpec {
  /** Response time (the ALB `time` field). */
  time: Date;
  loadBalancer: string;
  /** `ip:port` of the target, or null for `-`. */
  target: string | null;
  elbStatus: number;
  /** Null when the target did not answer (`-`). */
  targetStatus: number | null;
  path?: string;
  userAgent?: string;
  /** Target processing time in seconds; -1 when the LB could not dispatch or the target did not answer. */
  targetTime?: number;
  client?: string;
}

export function albLine(spec: AlbLineSpec): string {
  const failed = spec.targetStatus === null;
  const targetTime = spec.targetTime ?? (failed ? -1 : 0.012);
  const requestTime = failed ? -1 : 0.001;
  const responseTime = failed ? -1 : 0.0;
  const created = new Date(spec.time.getTime() - 20);
  const target = spec.target ?? '-';
  const status = spec.targetStatus === null ? '-' : String(spec.targetStatus);
  const path = spec.path ?? '/';
  return [
    'https',
    spec.time.toISOString().replace('Z', '000Z'),
    spec.loadBalancer,
    spec.client ?? '198.51.100.23:51234',
    target,
    requestTime.toFixed(3),
    targetTime.toFixed(3),
    responseTime.toFixed(3),
    String(spec.elbStatus),
    status,
    '231',
    failed ? '272' : '1785',
    `"GET https://shop.example.com:443${path} HTTP/1.1"`,
    `"${spec.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0'}"`,
    'ECDHE-RSA-AES128-GCM-SHA256',
    'TLSv1.2',
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc24d8a067',
    '"Root=1-58337262-36d228ad5d99923122bbe354"',
    '"shop.example.com"',
    '"arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"',
    '0',
    created.toISOString().replace('Z', '000Z'),
    '"forward"',
    '"-"',
    '"-"',
    `"${target}"`,
    `"${status}"`,
    '"-"',
    '"-"',
  ].join(' ');
}

/**
 * `count` lines spread evenly over [from, to), cycling over the given specs' varying parts.
 */
export function albLines(count: number, from: Date, to: Date, spec: Omit<AlbLineSpec, 'time'>): string[] {
  const lines: string[] = [];
  const span = to.getTime() - from.getTime();
  for (let i = 0; i < count; i++) {
    lines.push(albLine({ ...spec, time: new Date(from.getTime() + Math.floor((span * i) / count)) }));
  }
  return lines;
}

/** Real-shaped OTC/Huawei ELB access-log lines (the 37 fields of the current format). */
export interface OtcLineSpec {
  /** When the request ended (the `msec` field). */
  time: Date;
  /** `loadbalancer_<id>`, as the `lb_name` field carries it. */
  loadBalancer: string;
  /** `ip:port` of the member. */
  member: string;
  status: number;
  /** Null when the member sent no response (the load balancer answered: `-` in the upstream timings). */
  backendStatus: number | null;
  path?: string;
}

export function otcLine(spec: OtcLineSpec): string {
  const ms = spec.time.getTime();
  const msec = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
  const local = `${new Date(Math.floor(ms / 1000) * 1000 + 3_600_000).toISOString().slice(0, 19)}+01:00`;
  const answered = spec.backendStatus !== null;
  const upstream = answered ? String(spec.backendStatus) : String(spec.status);
  return [
    msec,
    'c7e1a3d5-2b4f-4c6e-8a0d-9f1b3e5c7a2d',
    `[${local}]`,
    'elb_01',
    '203.0.113.41:51234',
    String(spec.status),
    `"GET https://shop.example.com${spec.path ?? '/'} HTTP/1.1"`,
    '412',
    answered ? '1785' : '326',
    answered ? '1320' : '166',
    answered ? '0.014' : '0.002',
    `"${upstream}"`,
    answered ? '"0.001"' : '"-"',
    answered ? '"0.013"' : '"-"',
    answered ? '"0.013"' : '"0.002"',
    `"${spec.member}"`,
    '"Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0"',
    '"-"',
    '"-"',
    spec.loadBalancer,
    'listener_b6d0f2a4-8c1e-4a3b-9d5f-7e2c4a6b8d01',
    '7f1e3d5c9b2a4e6d8c0f1a3b5d7e9c2a',
    'pool_d2a8c4e6-1b3f-4d5a-9c7e-0f2b4d6a8c13',
    '"-"',
    '0f3a6c9e2b5d48a1b7c4e9f2a6d3b8c1',
    '80.158.61.204:443',
    `"${spec.member}"`,
    '-',
    'TLSv1.3',
    'TLS_AES_128_GCM_SHA256',
    'shop.example.com',
    '33816',
    '-',
    '384',
    '-',
    '-',
    '"shop"',
  ].join(' ');
}

/** `count` OTC lines spread evenly over [from, to). */
export function otcLines(count: number, from: Date, to: Date, spec: Omit<OtcLineSpec, 'time'>): string[] {
  const lines: string[] = [];
  const span = to.getTime() - from.getTime();
  for (let i = 0; i < count; i++) {
    lines.push(otcLine({ ...spec, time: new Date(from.getTime() + Math.floor((span * i) / count)) }));
  }
  return lines;
}
