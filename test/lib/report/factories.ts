// Small factories for report tests: AnalysisResult pieces shaped exactly like `lbwatch analyze --json` output.
import type {
  Alert,
  AnalysisResult,
  CauseResult,
  InputSummary,
  MemberSummary,
  WindowSummary,
} from '../../../lib/model.js';
import type { ReportInput, RuleSummary } from '../../../lib/report/index.js';

export const WINDOW_MS = 300_000;
export const T0 = Date.parse('2024-05-01T00:00:00Z');

export const iso = (ms: number): string => new Date(ms).toISOString();
/** ISO start of window `i` after T0. */
export const at = (i: number, windowMs = WINDOW_MS): string => iso(T0 + i * windowMs);

export function aWindow(overrides: Partial<WindowSummary> & { index?: number } = {}): WindowSummary {
  const { index = 0, ...rest } = overrides;
  return {
    loadBalancer: 'shop-prod',
    format: 'otc-elb',
    start: at(index),
    end: at(index + 1),
    requests: 100,
    statusCodes: { '200': 100 },
    lbGenerated: {},
    members: [],
    ...rest,
  };
}

export function aMember(member: string, requests: number, errors: Record<string, number> = {}): MemberSummary {
  return { member, requests, errors };
}

export function aCause(overrides: Partial<CauseResult> = {}): CauseResult {
  return {
    code: 502,
    id: '502.backend-reset',
    title: 'the backend answered the connection or the request with a TCP RST',
    evidence: '41 of 43 502s got no backend response',
    score: 3,
    ...overrides,
  };
}

export function anAlert(overrides: Partial<Alert> & { index?: number } = {}): Alert {
  const { index = 0, ...rest } = overrides;
  return {
    rule: 'gateway-errors',
    severity: 'critical',
    loadBalancer: 'shop-prod',
    windowStart: at(index),
    windowEnd: at(index + 1),
    requests: 100,
    matched: 10,
    rate: 0.1,
    statusCodes: { '502': 10 },
    causes: [aCause()],
    ...rest,
  };
}

export function anInput(overrides: Partial<InputSummary> = {}): InputSummary {
  return {
    path: 'logs/elb-1.log.gz',
    format: 'otc-elb',
    lines: 100,
    records: 98,
    rejected: 2,
    rejects: { 'bad-status': 2 },
    error: null,
    ...overrides,
  };
}

export function anAnalysis(overrides: Partial<AnalysisResult> = {}): AnalysisResult {
  return { inputs: [anInput()], windows: [], alerts: [], ...overrides };
}

export const RULES: RuleSummary[] = [
  {
    id: 'gateway-errors',
    codes: [502, 503, 504],
    source: 'any',
    rate: 0.05,
    count: 10,
    minRequests: 20,
    severity: 'critical',
  },
  { id: 'client-errors', codes: ['4xx'], source: 'any', rate: 0.2, minRequests: 50, severity: 'warning' },
];

export function aReportInput(analysis: AnalysisResult, overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    generatedAt: '2024-05-02T00:05:00Z',
    period: { from: at(0), to: at(288) },
    windowMs: WINDOW_MS,
    analysis,
    rules: RULES,
    ...overrides,
  };
}

/** A small deterministic PRNG (mulberry32), so generated models are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A busy period: `loadBalancers` x `windows` windows with a diurnal traffic curve, a few members per load
 * balancer, and incidents (runs of 502/504 alerts) on some of them.
 */
export function generateAnalysis(loadBalancers: number, windows: number, seed = 7): AnalysisResult {
  const random = seededRandom(seed);
  const result: Required<Omit<AnalysisResult, 'incidents' | 'logGaps'>> = {
    inputs: [],
    windows: [],
    alerts: [],
    codes: [],
  };
  for (let lb = 0; lb < loadBalancers; lb++) {
    const name = lb % 2 === 0 ? `elb-shop-${lb}` : `app/api-${lb}/50dc6c495c0c9188`;
    const format = lb % 2 === 0 ? 'otc-elb' : 'alb';
    const members = Array.from({ length: 6 }, (_, m) => `10.0.${lb}.${10 + m}:8080`);
    const incidentStart = lb % 3 === 0 ? Math.floor(random() * (windows - 12)) : -1;
    let total502 = 0;
    let lb502 = 0;
    for (let w = 0; w < windows; w++) {
      const requests = Math.round(800 + 600 * Math.sin((w / windows) * Math.PI * 2) + random() * 200);
      const inIncident = incidentStart >= 0 && w >= incidentStart && w < incidentStart + 6;
      const c502 = inIncident ? Math.round(requests * (0.08 + random() * 0.1)) : Math.round(random() * 2);
      const c404 = Math.round(requests * 0.01 * random());
      const c503 = random() < 0.05 ? 1 : 0;
      const ok = Math.max(0, requests - c502 - c404 - c503);
      total502 += c502;
      lb502 += c502;
      result.windows.push({
        loadBalancer: name,
        format,
        start: at(w),
        end: at(w + 1),
        requests,
        statusCodes: { '200': ok, '404': c404, '502': c502, ...(c503 > 0 ? { '503': c503 } : {}) },
        lbGenerated: { '502': c502 },
        members: members.map(
          (member, m): MemberSummary => ({
            member,
            requests: Math.floor(requests / members.length),
            errors: m === 0 ? { '502': c502, '404': c404 } : {},
          }),
        ),
      });
      if (inIncident) {
        result.alerts.push({
          rule: 'gateway-errors',
          severity: 'critical',
          loadBalancer: name,
          windowStart: at(w),
          windowEnd: at(w + 1),
          requests,
          matched: c502,
          rate: c502 / requests,
          statusCodes: { '502': c502 },
          causes: [
            aCause({ evidence: `${c502} of ${c502} 502s got no backend response; all were sent to ${members[0]}` }),
            aCause({ id: '502.backend-port', title: "the backend server's port is configured wrongly", score: 1 }),
          ],
        });
      }
    }
    result.codes.push({ loadBalancer: name, code: 502, count: total502, lbGenerated: lb502, causes: [aCause()] });
    for (let i = 0; i < 12; i++) {
      result.inputs.push(
        anInput({ path: `logs/${name}/part-${i}.log.gz`, format, lines: 1000, records: 999, rejected: 1 }),
      );
    }
  }
  return result;
}
