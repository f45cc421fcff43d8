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
