/**
 * Behind a reverse proxy: the latency a viewer sees direct from the server vs. through a real nginx, with
 * the same publisher and the same number of HTTP-FLV viewers. Variants: direct; nginx with the plain
 * `location / { proxy_pass …; }` a user writes first (HTTP/1.0 to the upstream, `proxy_buffering` on unless
 * the response says `X-Accel-Buffering: no`); nginx with `proxy_buffering off;`; and nginx's default config
 * told to ignore `X-Accel-Buffering` (what the default config does for a server that does not send it).
 * The variants alternate over several rounds, one after the other (this 2-core machine is noisy), and each
 * variant's latencies are pooled over the rounds.
 */
import type { BenchConfig, ServerName } from './bench-config.js';
import { highInput, nominalBitrate } from './input.js';
import { nginxBinary, startNginx, type Nginx, type NginxSite } from './nginx.js';
import { percentile } from './percentile.js';
import { startPublisher, type Publisher } from './publisher.js';
import { startServer } from './server-under-test.js';
import type { StepResult } from './step-result.js';
import { runStep } from './step-runner.js';

interface Variant {
  name: string;
  label: string;
  /** undefined: direct to the server; otherwise the `location /` directives after `proxy_pass` */
  nginx: string[] | undefined;
}

export const proxyVariants: readonly Variant[] = [
  { name: 'direct', label: 'direct', nginx: undefined },
  { name: 'nginx-default', label: 'nginx, default config', nginx: [] },
  { name: 'nginx-buffering-off', label: 'nginx, proxy_buffering off', nginx: ['proxy_buffering off;'] },
  { name: 'nginx-header-ignored', label: 'nginx, default + proxy_ignore_headers X-Accel-Buffering', nginx: ['proxy_ignore_headers X-Accel-Buffering;'] },
];

export interface ProxyVariantResult {
  name: string;
  label: string;
  /** one step per round (their `latencies` are pooled below and left out) */
  rounds: StepResult[];
  /** over all rounds' samples */
  latencyP50: number | undefined;
  latencyP99: number | undefined;
  latencyMax: number | undefined;
  latencySamples: number;
  /** all rounds' delivered bytes / all rounds' expected bytes */
  delivery: number;
  /** lowest share of viewers that got ≥ 95 % of the expected bytes, over the rounds */
  viewersAt95Min: number;
  /** pooled p50 / p99 minus direct's; and, per round, p50 minus the same round's direct p50 */
  deltaP50: number | undefined;
  deltaP99: number | undefined;
  deltaP50ByRound: (number | undefined)[];
  /** nginx CPU over each round's window, % of one core */
  proxyCpu: (number | undefined)[];
  failed: number;
  closedEarly: number;
  framingErrors: number;
}

export interface ProxyScenarioResult {
  name: ServerName;
  /** the n-th run of this server, when it runs more than once */
  run: number | undefined;
  label: string;
  /** undefined when nginx is not installed (only `direct` was measured) */
  nginx: { binary: string; version: string; config: string } | undefined;
  variants: ProxyVariantResult[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runProxyScenario(config: BenchConfig, name: ServerName, input: string, run?: number): Promise<ProxyScenarioResult> {
  const bin = nginxBinary();
  if (bin === undefined) {
    console.log(
      `\nnginx not found at ${process.env.NGINX_PATH || '/usr/sbin/nginx'} (Debian: apt-get install nginx-light, or set NGINX_PATH): ` +
        'measuring direct only, the nginx variants are skipped',
    );
  }
  const variants = bin === undefined ? proxyVariants.filter((v) => v.nginx === undefined) : proxyVariants;
  const server = await startServer(name, { baseline: config.baseline, run });
  console.log(`\n=== ${server.label} (pid ${server.pid}, HTTP 127.0.0.1:${server.httpPort}, log ${server.logFile})`);
  let nginx: Nginx | undefined;
  let publisher: Publisher | undefined;
  try {
    if (bin !== undefined) {
      const sites: NginxSite[] = variants.filter((v) => v.nginx !== undefined).map((v) => ({ name: v.name, directives: v.nginx! }));
      nginx = await startNginx(bin, server.httpPort, sites, [server.rtmpPort]);
      const ports = Object.entries(nginx.ports).map(([site, port]) => `${site} :${port}`).join(', ');
      console.log(`${nginx.version} (pid ${nginx.pid}; ${ports}; error log copied to ${nginx.logFile} at the end), configuration:\n${nginx.config}`);
    }
    publisher = await startPublisher(input, server.rtmpPort, 'bench', `ffmpeg-${name}${run === undefined ? '' : `-${run}`}-proxy`);
    await sleep(2000);
    // every viewer is sampled (a small audience); no late joiners: their GOP bursts would disturb the others
    const stepConfig: BenchConfig = { ...config, stepSeconds: config.proxySeconds, sampleEvery: 1, lateJoiners: 0 };
    const direct = new URL(server.playUrl(publisher.stream));
    const rounds = new Map<string, StepResult[]>(variants.map((v) => [v.name, []]));
    for (let round = 1; round <= config.proxyRounds; round++) {
      for (const v of variants) {
        let playUrls: string[] | undefined;
        if (v.nginx !== undefined) {
          const url = new URL(direct);
          url.port = String(nginx!.ports[v.name]);
          playUrls = [url.toString()];
        }
        const r = await runStep(stepConfig, server, publisher, {
          label: `${v.label}, round ${round}`,
          protocol: 'http',
          viewers: config.proxyViewers,
          nominalBitrate: nominalBitrate(highInput),
          playUrls,
          extraPids: v.nginx === undefined ? undefined : [nginx!.pid],
          keepLatencies: true,
        });
        rounds.get(v.name)!.push(r);
        console.log(`  round ${round} · ${v.label.padEnd(56)} ${oneLine(r)}`);
        if (publisher.ffmpeg.exitCode !== null) throw new Error(`the publisher (ffmpeg) exited with ${publisher.ffmpeg.exitCode}`);
        if (nginx !== undefined && nginx.child.exitCode !== null) throw new Error(`nginx exited with ${nginx.child.exitCode}; see ${nginx.logFile}`);
      }
    }
    return {
      name,
      run,
      label: server.label,
      nginx: nginx === undefined ? undefined : { binary: bin!, version: nginx.version, config: nginx.config },
      variants: summarize(variants, rounds),
    };
  } finally {
    await publisher?.stop();
    await nginx?.stop();
    await server.stop();
  }
}

function summarize(variants: readonly Variant[], rounds: Map<string, StepResult[]>): ProxyVariantResult[] {
  const pooled = (steps: StepResult[]): number[] => steps.flatMap((r) => r.latencies ?? []);
  const directSteps = rounds.get('direct')!;
  const directAll = pooled(directSteps);
  const directP50 = percentile(directAll, 50);
  const directP99 = percentile(directAll, 99);
  const minus = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a - b);
  return variants.map((v) => {
    const steps = rounds.get(v.name)!;
    const all = pooled(steps);
    const p50 = percentile(all, 50);
    const p99 = percentile(all, 99);
    const expected = steps.reduce((a, r) => a + r.expectedBitrate * r.seconds, 0);
    const delivered = steps.reduce((a, r) => a + r.deliveredBitrate * r.seconds, 0);
    const isDirect = v.nginx === undefined;
    return {
      name: v.name,
      label: v.label,
      // the raw samples stay out of the results file
      rounds: steps.map((r) => ({ ...r, latencies: undefined })),
      latencyP50: p50,
      latencyP99: p99,
      latencyMax: percentile(all, 100),
      latencySamples: all.length,
      delivery: expected > 0 ? delivered / expected : 0,
      viewersAt95Min: Math.min(...steps.map((r) => r.viewersAt95)),
      deltaP50: isDirect ? undefined : minus(p50, directP50),
      deltaP99: isDirect ? undefined : minus(p99, directP99),
      deltaP50ByRound: isDirect ? [] : steps.map((r, i) => minus(r.latencyP50, directSteps[i]?.latencyP50)),
      proxyCpu: steps.map((r) => r.extraCpu?.[0]),
      failed: steps.reduce((a, r) => a + r.failed + r.noAnswer, 0),
      closedEarly: steps.reduce((a, r) => a + r.closedEarly, 0),
      framingErrors: steps.reduce((a, r) => a + r.framingErrors + r.tagSizeMismatches, 0),
    };
  });
}

const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const signed = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : `${n >= 0 ? '+' : ''}${n.toFixed(1)}`);
const pct = (n: number): string => `${(n * 100).toFixed(1)} %`;

function oneLine(r: StepResult): string {
  const delivery = r.expectedBitrate > 0 ? r.deliveredBitrate / r.expectedBitrate : 0;
  const nginxCpu = r.extraCpu === undefined ? '' : `, nginx CPU ${f1(r.extraCpu[0])} %`;
  return (
    `p50 ${f1(r.latencyP50)} / p99 ${f1(r.latencyP99)} ms (${r.latencySamples} tags, ${pct(r.latencyMatchRate)} matched), delivered ${pct(delivery)}, ` +
    `${r.connected}/${r.viewers} viewers, server CPU ${f1(r.serverCpu)} %${nginxCpu}`
  );
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ')}`).join('\n');
}

export function formatProxyScenario(r: ProxyScenarioResult, config: BenchConfig): string {
  const rows: string[][] = [
    ['variant', 'p50 ms', 'p99 ms', 'Δp50 vs direct', 'Δp99 vs direct', 'delivered', 'p50 by round', 'p99 by round', 'Δp50 by round', 'nginx CPU % by round'],
  ];
  for (const v of r.variants) {
    rows.push([
      v.label,
      f1(v.latencyP50),
      f1(v.latencyP99),
      signed(v.deltaP50),
      signed(v.deltaP99),
      pct(v.delivery),
      v.rounds.map((s) => f1(s.latencyP50)).join(' · '),
      v.rounds.map((s) => f1(s.latencyP99)).join(' · '),
      v.deltaP50ByRound.length === 0 ? '—' : v.deltaP50ByRound.map(signed).join(' · '),
      v.proxyCpu.every((c) => c === undefined) ? '—' : v.proxyCpu.map(f1).join(' · '),
    ]);
  }
  const problems = r.variants
    .filter((v) => v.failed + v.closedEarly + v.framingErrors > 0 || v.viewersAt95Min < 1)
    .map((v) => `  ${v.label}: ${v.failed} viewers failed or unanswered, ${v.closedEarly} cut, ${v.framingErrors} framing errors, worst round ${pct(v.viewersAt95Min)} of viewers ≥ 95 % of bytes`);
  return [
    `${r.label} · ${config.proxyViewers} HTTP-FLV viewers per variant · ${config.proxyRounds} round(s) × ${config.proxySeconds} s per variant, alternating` +
      `${r.nginx === undefined ? ' · nginx not found: direct only' : ` · ${r.nginx.version}`}`,
    `  latency = a tag's arrival at a viewer − the same message's arrival at the RTMP socket; p50/p99 over all rounds' samples`,
    table(rows),
    `  samples per variant: ${r.variants.map((v) => `${v.name} ${v.latencySamples}`).join(', ')}`,
    ...(problems.length > 0 ? problems : ['  every viewer connected, none cut, no framing errors, every viewer ≥ 95 % of the bytes in every round']),
  ].join('\n');
}
