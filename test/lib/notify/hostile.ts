// Incident pages whose every log-derived string is hostile, and pages at the limits.
import type { IncidentNotification } from '../../../lib/model.js';
import { CONTROL, IMG, LONG, MD, SCRIPT } from '../report/hostile.js';
import { aCause, aNotification } from './factories.js';

export const HOSTILE_LB = `lb${SCRIPT}${IMG}&amp;${CONTROL}`;
export const QUERY = '/login?token=s3cr3t-token&user=alice';

export function hostileNotification(overrides: Partial<IncidentNotification> = {}): IncidentNotification {
  return aNotification(overrides, {
    id: `${HOSTILE_LB}/rule/2026-06-16T05:40:00.000Z`,
    loadBalancer: HOSTILE_LB,
    rule: `rule${SCRIPT}${MD}`,
    statusCodes: { '502': 20, [`4${SCRIPT}`]: 1 },
    causes: [
      aCause({
        id: `502.${SCRIPT}`,
        title: `title ${IMG} {{DATE(2017-02-14T06:08:39Z, SHORT)}}`,
        evidence: `sent ${QUERY} to ${SCRIPT} ${CONTROL} ${MD} <!channel> <https://evil.example|click>`,
      }),
      aCause({ id: '502.long', evidence: LONG, score: 2 }),
    ],
  });
}

/** 200 causes with 5,000-character evidence, a 10 KB load-balancer name and id. */
export function hugeNotification(overrides: Partial<IncidentNotification> = {}): IncidentNotification {
  const lb = `lb-${'x'.repeat(10_000)}`;
  return aNotification(overrides, {
    id: `${lb}/gateway-errors/2026-06-16T05:40:00.000Z`,
    loadBalancer: lb,
    statusCodes: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [String(400 + i), i + 1])),
    causes: Array.from({ length: 200 }, (_, i) =>
      aCause({ id: `502.cause-${i}`, evidence: LONG, title: LONG, score: 200 - i }),
    ),
  });
}
