/**
 * Evidence rules (error-codes.md "Evidence rules", and a few more): each looks at one code's figures in a window
 * (or several merged), raises or lowers cause scores and says why in a sentence with the numbers. Thresholds come
 * in at this point, never at aggregation time.
 *
 * Every sentence must be true for any thresholds a rules file may set, at the histogram's resolution: counts come
 * from ./bands.ts ("about T" = within 10% of T; "longer than T" = above 1.1·T; "none reached T" = all below 0.9·T;
 * "at least X" = surely at least X), a median or longest figure describes exactly the values the sentence counts,
 * and the score is computed from the same counts as the sentence.
 */
import type { CodeStats, Histogram, WindowAggregate } from '../aggregate/index.js';
import { histogramTotal, OTHER_KEY, quantile } from '../aggregate/index.js';
import type { LogFormat } from '../formats/record.js';
import type { PlatformThresholds } from '../rules/index.js';
import { aroundThreshold, type Band, countSurelyAtLeast, countSurelyBelow, mayReach } from './bands.js';
import { bytes, ofCode, percent, seconds, secondsAtMost, shownValue, timeout } from './format.js';

export interface EvidenceContext {
  window: WindowAggregate;
  code: number;
  stats: CodeStats;
  /** Occurrences of the code. */
  n: number;
  platform: LogFormat;
  thresholds: PlatformThresholds;
  /** The period the figures cover, as sentences name it: `in this window`, `in the 3 windows 05:40–05:55`. */
  scope: string;
  add(id: string, delta: number, sentence: string): void;
}

export type EvidenceRule = (ctx: EvidenceContext) => void;

/** Share of the occurrences at or above which a pattern counts as "most of them". */
const MOST = 0.5;
/** "Concentrated on one member": error-codes.md's 80%. */
const CONCENTRATED = 0.8;

function responseTimeoutName(p: LogFormat): string {
  return p === 'otc-elb' ? 'response timeout' : 'idle timeout';
}

function platformName(p: LogFormat): string {
  return p === 'otc-elb' ? 'ELB' : p === 'alb' ? 'ALB' : 'CLB';
}

/** Real members (not `(other)`) that served requests in the window. */
function pool(w: WindowAggregate): Array<[string, number]> {
  return Object.entries(w.members)
    .filter(([k, m]) => k !== OTHER_KEY && m.requests > 0)
    .map(([k, m]) => [k, m.requests]);
}

/** Members that got this code, heaviest first: [member, count, noConnection]. */
function codeMembers(stats: CodeStats): Array<[string, number, number]> {
  return Object.entries(stats.members)
    .filter(([k]) => k !== OTHER_KEY)
    .map(([k, v]): [string, number, number] => [k, v[0], v[1]])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** Share of the code's occurrences that carry an ALB Lambda error_reason (a Lambda target, not an instance). */
function lambdaShare(stats: CodeStats, n: number): number {
  let k = 0;
  for (const [reason, c] of Object.entries(stats.reasons)) if (reason.startsWith('Lambda')) k += c;
  return k / n;
}

/** Share of the occurrences at or above which a timing pattern is evidence for a cause. */
const TIMING = 0.3;

/** What a sentence says about values that took clearly longer than the timeout it names. */
const SET_LONGER = "the timeout set on the load balancer may be longer than lbwatch's thresholds say";
/**
 * Requests that waited clearly longer than a configured timeout still point at that kind of timeout (one set
 * longer on the load balancer than in the thresholds, or retries), but they do not confirm the threshold: a third
 * of the weight of requests that took about the timeout.
 */
const LONGER_WEIGHT = 1;

function median(h: Histogram): string {
  const q = quantile(h, 0.5);
  return q === null ? 'unknown' : seconds(q);
}

/** `(median 5.0 s)` of all `n` occurrences, or `(median of the 8: 5.0 s)` when the band holds only some. */
function bandMedian(b: Band, n: number): string {
  return b.count === n ? `(median ${median(b.values)})` : `(median of the ${b.count}: ${median(b.values)})`;
}

/**
 * `none of the 12 504s`, or `none of the 9 504s with a recorded time` when some occurrences have no request time
 * (CLB without a backend answer, ALB without a request creation time): nothing can be said about those.
 */
function noneOf(timed: number, n: number, code: number): string {
  return timed === n ? `none of the ${n} ${code}s` : `none of the ${timed} ${code}s with a recorded time`;
}

/**
 * 502: LB-generated with no backend connection, failing fast (within half the connect timeout). The score counts
 * the fast ones only; unconnected 502s without a recorded time count as they did before times were known.
 */
const noConnectionFast: EvidenceRule = ({ code, stats, n, thresholds, add }) => {
  if (code !== 502 || lambdaShare(stats, n) >= MOST) return;
  const share = stats.noConnection / n;
  if (share >= MOST) {
    const h = stats.requestTimeNoConnection;
    const timed = histogramTotal(h);
    // Counted against the figure the sentence shows, rounded down, so "within 1.6 s" means below 1.6 s.
    const within = secondsAtMost((thresholds.connectTimeout * 1000) / 2);
    let sentence = `${ofCode(stats.noConnection, n, code)} got no backend connection`;
    let fastShare = share;
    if (timed > 0 && within >= 1) {
      const fast = countSurelyBelow(h, within);
      sentence += `, ${fast} of them failing within ${seconds(within)} (well under the ${timeout(thresholds.connectTimeout)} connect timeout)`;
      fastShare = (stats.noConnection - timed + fast) / n;
    }
    add('502.backend-port', 2 * fastShare, sentence);
    add('502.backend-reset', 2 * fastShare, sentence);
  } else if (share < 0.2) {
    const sentence =
      stats.noConnection === 0
        ? `none of the ${n} ${code}s lacked a backend connection`
        : `only ${ofCode(stats.noConnection, n, code)} lacked a backend connection`;
    add('502.backend-port', -1, sentence);
    add('502.backend-reset', stats.connectedNoHeader / n >= MOST ? 0 : -1, '');
  }
};

/** 502: connected, then the backend closed before a response header (RST/FIN mid-request). */
const connectedThenClosed: EvidenceRule = ({ code, stats, n, add }) => {
  if (code !== 502 || stats.connectedNoHeader === 0) return;
  const share = stats.connectedNoHeader / n;
  if (share < 0.2) return;
  add(
    '502.backend-reset',
    2 * share,
    `${ofCode(stats.connectedNoHeader, n, code)} connected but the backend closed the connection before a response header`,
  );
};

/**
 * 502: of the members that got no-connection failures, did they answer nothing (wrong port) or also serve
 * other requests normally (resets)?
 */
const deadOrLiveMember: EvidenceRule = ({ window, code, stats, scope, add }) => {
  if (code !== 502 || stats.noConnection === 0 || lambdaShare(stats, stats.count) >= MOST) return;
  const failing = codeMembers(stats)
    .filter(([, , noConn]) => noConn > 0)
    .sort((a, b) => b[2] - a[2]);
  let dead = 0;
  let live = 0;
  let topDead: [string, number] | null = null;
  let topLive: [string, number, number] | null = null;
  for (const [member, , noConn] of failing) {
    const m = window.members[member];
    if (m === undefined) continue;
    if (m.answered === 0) {
      dead += noConn;
      topDead ??= [member, noConn];
    } else if (m.ok > 0) {
      live += noConn;
      topLive ??= [member, noConn, m.ok];
    }
  }
  const total = stats.noConnection;
  if (topDead !== null && dead / total >= MOST) {
    const others = dead > topDead[1] ? ` (${dead} on members that answered nothing)` : '';
    add(
      '502.backend-port',
      3 * (dead / total),
      `${topDead[1] === total ? `all ${total}` : `${topDead[1]} of the ${total}`} unconnected ${code}s were sent to member ${shownValue(topDead[0])}, which answered nothing else ${scope}${others}`,
    );
    add('502.backend-reset', 1 * (dead / total), '');
  } else if (topLive !== null && live / total >= MOST) {
    add(
      '502.backend-reset',
      3 * (live / total),
      `${topLive[1] === total ? `all ${total}` : `${topLive[1]} of the ${total}`} unconnected ${code}s were sent to member ${shownValue(topLive[0])}, which answered ${topLive[2]} other requests normally ${scope}`,
    );
    add('502.backend-port', -1, '');
  }
};

/** 502 with a backend connection and response header: the LB did not accept the response. */
const headerButBadGateway: EvidenceRule = ({ code, stats, n, add }) => {
  if (code !== 502) return;
  if (stats.withHeader === 0) {
    if (lambdaShare(stats, n) < MOST)
      add('502.bad-backend-response', -1, `none of the ${n} ${code}s got a backend response header`);
    return;
  }
  const share = stats.withHeader / n;
  const own = n - stats.lb;
  const passed = own > 0 ? ` (${own} of them the backend's own ${code})` : '';
  add(
    '502.bad-backend-response',
    3 * share,
    `${ofCode(stats.withHeader, n, code)} had a backend connection and response header, yet the client got ${code}${passed}`,
  );
};

/** 502/504: spread over every member of the pool (network, firewall) or concentrated on one. */
const spreadOverPool: EvidenceRule = ({ window, code, stats, add }) => {
  const id = code === 502 ? '502.backend-network' : code === 504 ? '504.firewall' : null;
  if (id === null) return;
  const members = pool(window);
  if (members.length < 2) return;
  const hit = codeMembers(stats);
  const withMember = hit.reduce((s, [, c]) => s + c, 0);
  if (withMember === 0) return;
  const top = hit[0] as [string, number, number];
  const topShare = top[1] / withMember;
  const hitSet = new Set(hit.map(([m]) => m));
  if (members.every(([m]) => hitSet.has(m)) && topShare < 0.6) {
    add(
      id,
      2,
      `the ${code}s spread over all ${members.length} members of the pool (largest share ${percent(topShare)}, ${shownValue(top[0])})`,
    );
  } else if (topShare >= CONCENTRATED) {
    add(id, -1, `${top[1]} of the ${withMember} ${code}s with a member went to one member, not the whole pool`);
  }
};

/**
 * 504: no backend connection and a request time of about the connect timeout. Unconnected 504s that took clearly
 * longer than it are named as such, with a lower weight (see {@link LONGER_WEIGHT}).
 */
const connectTimeout: EvidenceRule = ({ code, stats, n, thresholds, platform, add }) => {
  if (code !== 504) return;
  const around = aroundThreshold(stats.requestTimeNoConnection, thresholds.connectTimeout * 1000);
  if (around === null) return;
  const { about, longer } = around;
  const name = `${timeout(thresholds.connectTimeout)} ${platformName(platform)} connect timeout`;
  if (about.count / n >= TIMING) {
    add(
      '504.connect-timeout',
      3 * (about.count / n),
      `${ofCode(about.count, n, code)} never connected to a backend and took about the ${name} ${bandMedian(about, n)}`,
    );
  }
  if (longer.count / n >= TIMING) {
    add(
      '504.connect-timeout',
      LONGER_WEIGHT * (longer.count / n),
      `${ofCode(longer.count, n, code)} never connected to a backend and took longer than the ${name} ${bandMedian(longer, n)}: ${SET_LONGER}`,
    );
  }
  // Connected 504s did not wait without a connection whatever their time; unconnected ones without a time might have.
  const timed = histogramTotal(stats.requestTime);
  const untimedUnconnected = stats.noConnection - histogramTotal(stats.requestTimeNoConnection);
  const who = untimedUnconnected === 0 ? noneOf(n, n, code) : timed > 0 ? noneOf(timed, n, code) : null;
  if (about.count === 0 && longer.count === 0 && who !== null) {
    add(
      '504.connect-timeout',
      -1,
      `${who} waited for the ${timeout(thresholds.connectTimeout)} connect timeout without a connection`,
    );
  }
};

/** 504: connected, and a request time of about the response (ALB/CLB: idle) timeout; longer ones as above. */
const responseTimeout: EvidenceRule = ({ code, stats, n, thresholds, platform, add }) => {
  if (code !== 504) return;
  const around = aroundThreshold(stats.requestTime, thresholds.responseTimeout * 1000);
  if (around === null) return;
  const { about, longer } = around;
  const name = `${timeout(thresholds.responseTimeout)} ${platformName(platform)} ${responseTimeoutName(platform)}`;
  if (about.count / n >= TIMING) {
    // Of those same requests: the connected ones without a header that took about the timeout too.
    const connectedAbout =
      aroundThreshold(stats.requestTimeConnectedNoHeader, thresholds.responseTimeout * 1000)?.about.count ?? 0;
    const connected = connectedAbout > 0 ? `; ${connectedAbout} had connected without getting a response header` : '';
    add(
      '504.response-timeout',
      3 * (about.count / n),
      `${ofCode(about.count, n, code)} took about the ${name}${connected}`,
    );
  }
  if (longer.count / n >= TIMING) {
    add(
      '504.response-timeout',
      LONGER_WEIGHT * (longer.count / n),
      `${ofCode(longer.count, n, code)} took longer than the ${name} ${bandMedian(longer, n)}: ${SET_LONGER}`,
    );
  }
  const timed = histogramTotal(stats.requestTime);
  if (about.count === 0 && longer.count === 0 && timed > 0) {
    const longest = quantile(stats.requestTime, 1) ?? 0;
    add(
      '504.response-timeout',
      -1,
      `${noneOf(timed, n, code)} reached the ${name} (longest about ${seconds(longest)})`,
    );
  }
};

/** 504: no backend connection at all in the window, for every member. */
const noConnectionAnywhere: EvidenceRule = ({ window, code, n, scope, add }) => {
  if (code !== 504) return;
  const members = pool(window);
  if (window.connected === 0 && window.answered === 0 && members.length > 0) {
    add(
      '504.firewall',
      3,
      `no request reached any backend ${scope}: none of the ${members.length} member${members.length === 1 ? '' : 's'} connected or answered, ${n} ${code}s`,
    );
  } else if (window.answered > 0) {
    add('504.firewall', -1, `${window.answered} requests got a backend answer ${scope}`);
  }
};

/** 408: request time of about the client timeout; clearly longer ones as for 504s. */
const clientTimeout: EvidenceRule = ({ code, stats, n, thresholds, platform, add }) => {
  if (code !== 408) return;
  const around = aroundThreshold(stats.requestTime, thresholds.clientTimeout * 1000);
  if (around === null) return;
  const { about, longer } = around;
  const name = `${timeout(thresholds.clientTimeout)} ${platform === 'otc-elb' ? 'client' : 'idle'} timeout`;
  if (about.count / n >= TIMING) {
    add(
      '408.client-request-timeout',
      3 * (about.count / n),
      `${ofCode(about.count, n, code)} came after about the ${name} ${bandMedian(about, n)}`,
    );
  }
  if (longer.count / n >= TIMING) {
    add(
      '408.client-request-timeout',
      LONGER_WEIGHT * (longer.count / n),
      `${ofCode(longer.count, n, code)} took longer than the ${name} ${bandMedian(longer, n)}: ${SET_LONGER}`,
    );
  }
  const timed = histogramTotal(stats.requestTime);
  if (about.count === 0 && longer.count === 0 && timed > 0) {
    add(
      '408.client-request-timeout',
      -1,
      `${noneOf(timed, n, code)} waited for the ${name} (median ${median(stats.requestTime)})`,
    );
  }
};

/** 400: request line missing or unparseable; ALB desync classification. */
const malformedRequest: EvidenceRule = ({ code, stats, n, add }) => {
  if (code !== 400) return;
  const desync = (stats.classifications.Ambiguous ?? 0) + (stats.classifications.Severe ?? 0);
  if (stats.malformed > 0) {
    add(
      '400.malformed-request',
      3 * (stats.malformed / n),
      `${ofCode(stats.malformed, n, code)} had a missing or unparseable request line`,
    );
  }
  if (desync > 0) {
    add(
      '400.malformed-request',
      2 * (desync / n),
      `${ofCode(desync, n, code)} were classified Ambiguous or Severe by ALB desync mitigation`,
    );
  }
  if (stats.malformed === 0 && desync === 0) {
    add('400.malformed-request', -1, `all ${n} ${code}s had a well-formed request line`);
  }
};

/** 400: request size of 64 KB or more (ALB: 16 KB per line or header). CLB sizes exclude headers: no evidence. */
const headerTooLarge: EvidenceRule = ({ code, stats, n, platform, add }) => {
  if (code !== 400 || platform === 'clb' || histogramTotal(stats.requestBytes) === 0) return;
  const limit = platform === 'alb' ? 16 * 1024 : 64 * 1024;
  const k = countSurelyAtLeast(stats.requestBytes, limit);
  const what = platform === 'alb' ? 'ALB limits: 16 KB per request line or header, 64 KB in all' : 'limit 64 KB';
  if (k > 0) {
    add(
      '400.header-too-large',
      3 * (k / n),
      `${ofCode(k, n, code)} were requests of ${bytes(limit)} or more (${what})`,
    );
  } else if (!mayReach(stats.requestBytes, limit)) {
    const largest = quantile(stats.requestBytes, 1) ?? 0;
    add('400.header-too-large', -1, `no ${code} request reached ${bytes(limit)} (largest about ${bytes(largest)})`);
  }
};

/** 400: plain-HTTP request line on the HTTPS listener's port. */
const plainHttpOnTlsPort: EvidenceRule = ({ code, stats, n, add }) => {
  if (code !== 400) return;
  if (stats.plainHttpOnTlsPort > 0) {
    add(
      '400.http-to-https-port',
      3 * (stats.plainHttpOnTlsPort / n),
      `${ofCode(stats.plainHttpOnTlsPort, n, code)} were plain-HTTP requests to port 443`,
    );
  } else {
    add('400.http-to-https-port', -1, `none of the ${n} ${code}s was a plain-HTTP request to port 443`);
  }
};

/** 404: LB-generated means no forwarding policy took the request to a backend. */
const lbGenerated404: EvidenceRule = ({ code, stats, n, add }) => {
  if (code !== 404) return;
  if (stats.lb > 0) {
    add(
      '404.forwarding-policy',
      3 * (stats.lb / n),
      `${ofCode(stats.lb, n, code)} were generated by the load balancer without a backend status`,
    );
  } else {
    add('404.forwarding-policy', -2, `all ${n} ${code}s came from the backends`);
  }
};

/** 404: backend-generated, concentrated on some members while others serve the same host/path. */
const backend404: EvidenceRule = ({ window, code, stats, n, scope, add }) => {
  if (code !== 404) return;
  const own = n - stats.lb;
  if (own === 0) return;
  add('404.backend-app-missing', own / n, `${ofCode(own, n, code)} were returned by the backends`);
  const members = pool(window);
  const hit = codeMembers(stats);
  const withMember = hit.reduce((s, [, c]) => s + c, 0);
  if (members.length < 2 || withMember === 0) return;
  const heavy: string[] = [];
  let covered = 0;
  for (const [m, c] of hit) {
    if (covered / withMember >= CONCENTRATED) break;
    heavy.push(m);
    covered += c;
  }
  // Concentrated means at most half the pool holds 80% of them.
  if (heavy.length * 2 > members.length) return;
  const heavySet = new Set(heavy);
  const others = members.filter(([m]) => !heavySet.has(m));
  const servedByOthers = others.reduce((s, [m]) => s + (window.members[m]?.ok ?? 0), 0);
  if (servedByOthers === 0) return;
  const [topPath] = Object.entries(stats.hostPaths)
    .filter(([k]) => k !== OTHER_KEY)
    .sort((a, b) => b[1] - a[1]);
  const okOnPath = topPath === undefined ? 0 : (window.hostPaths[topPath[0]]?.[1] ?? 0);
  const pathNote =
    topPath !== undefined && okOnPath > 0
      ? `; ${shownValue(topPath[0])} was answered successfully ${okOnPath} times ${scope}`
      : '';
  const named =
    heavy.length === 1 ? `member ${shownValue(heavy[0] as string)}` : `${heavy.length} of ${members.length} members`;
  add(
    '404.backend-app-missing',
    2 + (okOnPath > 0 ? 1 : 0),
    `${covered} of the ${withMember} ${code}s came from ${named}, while ${others.length} other member${others.length === 1 ? '' : 's'} answered ${servedByOthers} requests successfully${pathNote}`,
  );
};

/** 413: request size near or above the platform's limit. */
const bodyTooLarge: EvidenceRule = ({ code, stats, n, platform, add }) => {
  if (code !== 413 || histogramTotal(stats.requestBytes) === 0) return;
  const limit = platform === 'alb' ? 1024 ** 2 : 10 * 1024 ** 3;
  const what = platform === 'alb' ? '1 MB limit for Lambda targets' : '10 GB limit';
  const k = countSurelyAtLeast(stats.requestBytes, limit / 2);
  if (k > 0) {
    add('413.body-too-large', 3 * (k / n), `${ofCode(k, n, code)} carried at least ${bytes(limit / 2)} (${what})`);
  } else if (!mayReach(stats.requestBytes, limit / 2)) {
    const largest = quantile(stats.requestBytes, 1) ?? 0;
    add(
      '413.body-too-large',
      -1,
      `no ${code} request came near the ${what} (largest received about ${bytes(largest)}; the body may have been refused on its Content-Length)`,
    );
  }
};

/** 414: very long request URIs. */
const uriTooLong: EvidenceRule = ({ code, stats, n, platform, add }) => {
  if (code !== 414 || histogramTotal(stats.uriLength) === 0) return;
  const long = platform === 'alb' ? 8192 : 4096;
  const k = countSurelyAtLeast(stats.uriLength, long);
  const longest = quantile(stats.uriLength, 1) ?? 0;
  if (k > 0) {
    add(
      '414.uri-too-long',
      3 * (k / n),
      `${ofCode(k, n, code)} had URIs of ${long} characters or more (longest about ${Math.round(longest)})`,
    );
  } else if (!mayReach(stats.uriLength, long)) {
    add('414.uri-too-long', -1, `no ${code} URI reached ${long} characters (longest about ${Math.round(longest)})`);
  }
};

/** 499/460: how long clients waited, and whether the backend was slow. */
const clientClosed: EvidenceRule = ({ window, code, stats, n, scope, add }) => {
  const id = code === 499 ? '499.client-closed' : code === 460 ? '460.client-closed' : null;
  if (id === null) return;
  const wait = quantile(stats.requestTime, 0.5);
  const waitP95 = quantile(stats.requestTime, 0.95);
  if (wait === null || waitP95 === null) return;
  const backendP95 = quantile(window.backendTime, 0.95);
  const waiting = stats.connectedNoHeader + stats.noConnection;
  const backendNote =
    backendP95 === null ? `no backend answered ${scope}` : `backend p95 ${scope} ${seconds(backendP95)}`;
  const slow = wait >= 1000 && (waiting / n >= MOST || (backendP95 !== null && backendP95 >= wait / 2));
  if (slow) {
    add(
      id,
      3,
      `clients waited a median ${seconds(wait)} (p95 ${seconds(waitP95)}) before closing; ${waiting} of ${n} were still waiting for a backend response header; ${backendNote}: the backend was slow`,
    );
  } else {
    add(
      id,
      1,
      `clients closed after a median ${seconds(wait)} (p95 ${seconds(waitP95)}); ${backendNote}: clients gave up${wait < 1000 ? ' early' : ''} rather than a slow backend`,
    );
  }
};

/** 503: LB-generated means no healthy backend was there to try. */
const unavailable503: EvidenceRule = ({ code, stats, n, platform, add }) => {
  if (code !== 503) return;
  const share = stats.lb / n;
  if (share >= MOST) {
    const fact =
      platform === 'alb'
        ? 'no registered or healthy targets'
        : platform === 'clb'
          ? 'no healthy instances, or the surge queue was full'
          : 'no healthy backend';
    add(
      '503.backend-unavailable',
      3 * share,
      `${ofCode(stats.lb, n, code)} were generated by the load balancer without trying a backend: ${fact}`,
    );
  } else {
    add(
      '503.backend-unavailable',
      1,
      `${ofCode(n - stats.lb, n, code)} were returned by the backends themselves (application unavailable)`,
    );
  }
};

const BACKEND_RETURNED: Record<number, string> = {
  401: '401.backend-auth-failed',
  403: '403.backend-rejected',
  500: '500.backend-error',
};
const LB_SIDE: Record<number, Partial<Record<LogFormat, string>>> = {
  401: { alb: 'ALB authenticate action' },
  403: { alb: 'AWS WAF web ACL', 'otc-elb': 'WAF' },
  500: { alb: 'ALB itself: WAF execution, identity-provider endpoints or a rule transform' },
};

/** 401/403/500: the table says the backend returns them; LB-generated ones point elsewhere. */
const backendReturned: EvidenceRule = ({ code, stats, n, platform, add }) => {
  const id = BACKEND_RETURNED[code];
  if (id === undefined) return;
  const own = n - stats.lb;
  if (own / n >= MOST) {
    add(id, 2 * (own / n), `${ofCode(own, n, code)} were returned by the backend`);
  } else {
    const side = LB_SIDE[code]?.[platform];
    add(
      id,
      -1,
      `${ofCode(stats.lb, n, code)} were generated by the load balancer${side === undefined ? '' : ` (${side})`}, not the backend`,
    );
  }
};

const LB_SIDE_CAUSES: Record<number, string[]> = {
  400: ['400.malformed-request', '400.http-to-https-port', '400.header-too-large'],
  408: ['408.client-request-timeout'],
  413: ['413.body-too-large'],
  414: ['414.uri-too-long'],
};

/** 400/408/413/414 returned by the backend (application validation): the table's LB-side causes do not apply. */
const returnedByBackend: EvidenceRule = ({ code, stats, n, add }) => {
  const ids = LB_SIDE_CAUSES[code];
  const own = n - stats.lb;
  if (ids === undefined || own / n < MOST) return;
  ids.forEach((id, i) => {
    add(id, -1, i === 0 ? `${ofCode(own, n, code)} were returned by the backend itself, not by the load balancer` : '');
  });
};

/** 501 and ALB/CLB's own codes: generated by the LB itself, as expected. */
const lbOwnCode: EvidenceRule = ({ code, stats, n, add }) => {
  const ids: Record<number, string> = {
    405: '405.method-not-allowed',
    463: '463.xff-too-long',
    464: '464.protocol-mismatch',
    501: '501.transfer-encoding',
    505: '505.http-version',
    507: '507.redirect-url-too-long',
    561: '561.idp-error',
  };
  const id = ids[code];
  if (id === undefined) return;
  if (stats.lb / n >= MOST)
    add(id, 2 * (stats.lb / n), `${ofCode(stats.lb, n, code)} were generated by the load balancer`);
  else add(id, -1, `${ofCode(n - stats.lb, n, code)} were returned by the backend, not the load balancer`);
};

/** ALB Lambda error reasons for 502/504 say which kind of failure it was. */
const LAMBDA_502: Array<[RegExp, string]> = [
  [
    /^Lambda(InvalidResponse|ResponseTooLarge|Unhandled|UnhandledException|BadRequest|RequestTooLarge|WebsocketNotSupported)$/,
    '502.bad-backend-response',
  ],
  [/^Lambda(Throttling|ServiceException|ConnectionError|ConnectionTimeout)$/, '502.backend-reset'],
  [/^Lambda/, '502.backend-network'],
];

const lambdaReasons: EvidenceRule = ({ code, stats, n, add }) => {
  if (code !== 502 && code !== 504) return;
  const byId = new Map<string, Array<[string, number]>>();
  for (const [reason, k] of Object.entries(stats.reasons)) {
    if (!reason.startsWith('Lambda')) continue;
    const id =
      code === 504 ? '504.connect-timeout' : (LAMBDA_502.find(([re]) => re.test(reason))?.[1] ?? '502.backend-network');
    byId.set(id, [...(byId.get(id) ?? []), [reason, k]]);
  }
  for (const [id, reasons] of byId) {
    const k = reasons.reduce((s, [, c]) => s + c, 0);
    const names = reasons
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([r, c]) => `${shownValue(r)} ${c}`)
      .join(', ');
    add(id, 4 * (k / n), `${ofCode(k, n, code)} carry a Lambda error_reason (${names}): the Lambda target failed`);
  }
};

/** Any other error_reason (WAF, authentication): named on the code's first cause. */
const otherReasons: EvidenceRule = ({ code, stats, n, add }) => {
  const entries = Object.entries(stats.reasons)
    .filter(([r]) => !(r.startsWith('Lambda') && (code === 502 || code === 504)))
    .sort((a, b) => b[1] - a[1]);
  const k = entries.reduce((s, [, c]) => s + c, 0);
  if (k === 0) return;
  const names = entries
    .slice(0, 3)
    .map(([r, c]) => `${shownValue(r)} ${c}`)
    .join(', ');
  add('*first', 0.5, `${ofCode(k, n, code)} carry an error_reason (${names})`);
};

/** Any code: >= 80% of its occurrences on one member whose share of traffic is much lower. */
const oneMember: EvidenceRule = ({ window, code, stats, n, add }) => {
  const members = pool(window);
  if (members.length < 2) return;
  const hit = codeMembers(stats);
  const top = hit[0];
  if (top === undefined) return;
  const share = top[1] / n;
  const total = members.reduce((s, [, r]) => s + r, 0);
  const traffic = (window.members[top[0]]?.requests ?? 0) / total;
  if (share >= CONCENTRATED && traffic <= share / 2) {
    add(
      '*member',
      1,
      `${percent(share)} of the ${code}s (${top[1]} of ${n}) came from member ${shownValue(top[0])}, which had ${percent(traffic)} of the traffic`,
    );
  }
};

const unlisted: EvidenceRule = ({ code, stats, n, add }) => {
  const own = n - stats.lb;
  if (own > 0) add('unlisted.backend-returned', 2 * (own / n), `${ofCode(own, n, code)} were returned by the backend`);
  if (stats.lb > 0)
    add(
      'unlisted.lb-generated',
      2 * (stats.lb / n),
      `${ofCode(stats.lb, n, code)} were generated by the load balancer`,
    );
};

/** In order; `*first` and `*member` are resolved by the ranking (the code's first / best member-specific cause). */
export const EVIDENCE_RULES: readonly EvidenceRule[] = [
  noConnectionFast,
  connectedThenClosed,
  deadOrLiveMember,
  headerButBadGateway,
  spreadOverPool,
  connectTimeout,
  responseTimeout,
  noConnectionAnywhere,
  clientTimeout,
  malformedRequest,
  headerTooLarge,
  plainHttpOnTlsPort,
  lbGenerated404,
  backend404,
  bodyTooLarge,
  uriTooLong,
  clientClosed,
  unavailable503,
  backendReturned,
  returnedByBackend,
  lbOwnCode,
  lambdaReasons,
  otherReasons,
  oneMember,
];

export const UNLISTED_RULES: readonly EvidenceRule[] = [unlisted, otherReasons, oneMember];
