// An analysis whose every log-derived string is hostile: markup, quotes, control characters, Markdown syntax.
import type { AnalysisResult } from '../../../lib/model.js';
import { aCause, aMember, anAlert, anInput, aWindow } from './factories.js';

export const SCRIPT = '<script>alert(1)</script>';
export const IMG = '"><img src=x onerror="document.title=\'pwned\'">';
export const CONTROL = 'esc\u001b[31mred\u0000nul\r\nnewline\u202eevil';
export const MD = '| pipe ` tick [link](http://x) <b>b</b> *em* _u_';
export const LONG = `/${'a'.repeat(5000)}`;

export const HOSTILE_LB = `lb${SCRIPT}${IMG}`;
export const HOSTILE_MEMBER = `10.0.0.1:80${SCRIPT}`;

export function hostileAnalysis(): AnalysisResult {
  const causes = [
    aCause({ evidence: `sent to ${HOSTILE_MEMBER} ${IMG} ${CONTROL} ${MD}`, title: `title ${SCRIPT}` }),
    aCause({ id: `502.${SCRIPT}`, evidence: LONG, score: 1 }),
  ];
  return {
    inputs: [
      anInput({ path: `logs/${SCRIPT}${CONTROL}.log`, rejects: { [`reason${IMG}`]: 3, [MD]: 1 } }),
      anInput({ path: `logs/${IMG}.gz`, error: `gzip ${SCRIPT} ${CONTROL}` }),
    ],
    windows: [0, 1, 2, 3].map((index) =>
      aWindow({
        index,
        loadBalancer: HOSTILE_LB,
        statusCodes: { '200': 80, '502': 20, [`4${SCRIPT}`]: 1 },
        lbGenerated: { '502': 15 },
        members: [aMember(HOSTILE_MEMBER, 50, { '502': 20 }), aMember(`${MD}${CONTROL}`, 50, { '404': 2 })],
      }),
    ),
    alerts: [1, 2].map((index) =>
      anAlert({ index, loadBalancer: HOSTILE_LB, rule: `rule${SCRIPT}${MD}`, statusCodes: { '502': 20 }, causes }),
    ),
    codes: [{ loadBalancer: HOSTILE_LB, code: 502, count: 80, lbGenerated: 60, causes }],
  };
}
