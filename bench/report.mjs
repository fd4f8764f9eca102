// The table bench/run.sh prints: reads the BENCH lines the wrk scripts wrote
// (WORK/ENDPOINT-SERVER-rN.wrk, and -warmup.wrk), aggregates the rounds,
// compares, and checks the targets.
//
//   node report.mjs --dir WORK --endpoints discovery,jwks,... --gh-hwm KB --peer-hwm KB
//
// Exit status 1 when any run (warm-ups included) had a failed request or no
// request at all: such numbers are not a measurement.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    dir: { type: 'string' },
    endpoints: { type: 'string' },
    'gh-hwm': { type: 'string' },
    'peer-hwm': { type: 'string' },
  },
});

const TARGETS = { discovery: 1.5, jwks: 1.3, refresh: 2.0, introspect: 1.5 };
const LABELS = { discovery: 'discovery', jwks: 'JWKS', refresh: 'refresh', introspect: 'introspection' };
const RSS_TARGET_MB = 40;

function parse(file) {
  const text = readFileSync(join(opt.dir, file), 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) return undefined;
  const out = {};
  for (const kv of line.slice(6).trim().split(/\s+/)) {
    const [k, v] = kv.split('=');
    out[k] = Number(v);
  }
  out.failed = out.http_errors + out.bad + out.connect_errors + out.read_errors
    + out.write_errors + out.timeouts;
  const cpu = /^BENCH_CPU ticks=(\d+) hz=(\d+)$/m.exec(text);
  out.cpu_s = cpu ? Number(cpu[1]) / Number(cpu[2]) : NaN;
  const sched = /^BENCH_SCHED run_ns=(\d+) wait_ns=(\d+)$/m.exec(text);
  out.rqwait_s = sched ? Number(sched[2]) / 1e9 : NaN;
  const load = /^BENCH_LOAD_SCHED run_ns=(\d+) wait_ns=(\d+)$/m.exec(text);
  out.loadwait_s = load ? Number(load[2]) / 1e9 : NaN;
  const first = text.split('\n').find((l) => l.startsWith('BENCH_FIRST_ERROR '));
  out.firstError = first ? first.slice(18) : '';
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const runs = {};   // runs[ep][server] = [{round, ...}]
const invalid = [];
for (const file of readdirSync(opt.dir).filter((f) => f.endsWith('.wrk')).sort()) {
  const m = /^(\w+)-(gatehouse|peer)-(warmup|r(\d+))\.wrk$/.exec(file);
  if (!m) continue;
  const r = parse(file);
  if (!r || r.failed > 0 || !(r.requests > 0)) {
    invalid.push({ file, r });
    continue;
  }
  if (m[3] === 'warmup') continue;
  ((runs[m[1]] ||= {})[m[2]] ||= []).push({ round: Number(m[4]), ...r });
}

const fmt = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pad = (s, n) => String(s).padStart(n);
const padr = (s, n) => String(s).padEnd(n);

function agg(list) {
  if (!list?.length) return undefined;
  const requests = list.reduce((a, r) => a + r.requests, 0);
  const secs = list.reduce((a, r) => a + r.duration_s, 0);
  const cpu = list.reduce((a, r) => a + r.cpu_s, 0);
  const rqwait = list.reduce((a, r) => a + r.rqwait_s, 0);
  const loadwait = list.reduce((a, r) => a + r.loadwait_s, 0);
  return {
    loadWaitShare: loadwait / secs,
    waitShare: rqwait / secs,
    rps: requests / secs,
    rpc: requests / cpu,
    cpuShare: cpu / secs,
    p50: median(list.map((r) => r.p50_us)) / 1000,
    p99: median(list.map((r) => r.p99_us)) / 1000,
    failed: list.reduce((a, r) => a + r.failed, 0),
    perRound: list.sort((a, b) => a.round - b.round).map((r) => r.rps),
  };
}

const endpoints = opt.endpoints.split(',');
const ratios = {};
const cpuRatios = {};
console.log(`${padr('endpoint', 13)}${padr('server', 15)}${pad('req/s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}`
  + `${pad('errors', 8)}${pad('req/CPU-s', 11)}${pad('CPU', 6)}${pad('waited', 8)}${pad('wrk waited', 12)}   req/s per round`);
console.log('-'.repeat(13 + 15 + 9 + 9 + 9 + 8 + 11 + 6 + 8 + 12 + 3 + 15));
for (const ep of endpoints) {
  const g = agg(runs[ep]?.gatehouse);
  const p = agg(runs[ep]?.peer);
  for (const [name, a] of [['gatehouse', g], ['oidc-provider', p]]) {
    if (!a) {
      console.log(`${padr(ep, 13)}${padr(name, 15)}${pad('no valid run', 35)}`);
      continue;
    }
    console.log(`${padr(name === 'gatehouse' ? ep : '', 13)}${padr(name, 15)}${pad(fmt(a.rps, 0), 9)}`
      + `${pad(fmt(a.p50, 2), 9)}${pad(fmt(a.p99, 2), 9)}${pad(a.failed, 8)}`
      + `${pad(fmt(a.rpc, 0), 11)}${pad(`${fmt(a.cpuShare * 100, 0)}%`, 6)}${pad(`${fmt(a.waitShare * 100, 0)}%`, 8)}`
      + `${pad(`${fmt(a.loadWaitShare * 100, 0)}%`, 12)}   `
      + a.perRound.map((x) => fmt(x, 0)).join(' '));
  }
  if (g && p) {
    ratios[ep] = g.rps / p.rps;
    cpuRatios[ep] = g.rpc / p.rpc;
    const perRound = g.perRound.map((x, i) => x / p.perRound[i]).filter(Number.isFinite);
    console.log(`${padr('', 13)}${padr('gatehouse/peer', 15)}${pad(`${fmt(ratios[ep], 2)}x`, 9)}`
      + `${pad(`${fmt(g.p50 / p.p50, 2)}x`, 9)}${pad(`${fmt(g.p99 / p.p99, 2)}x`, 9)}${pad('', 8)}`
      + `${pad(`${fmt(g.rpc / p.rpc, 2)}x`, 11)}${pad('', 26)}   `
      + `per round ${perRound.map((x) => `${fmt(x, 2)}x`).join(' ')}`);
  }
}

const ghMB = Number(opt['gh-hwm']) / 1024;
const peerMB = Number(opt['peer-hwm']) / 1024;
console.log('');
console.log(`peak RSS (VmHWM after all runs): gatehouse ${fmt(ghMB, 1)} MB, oidc-provider ${fmt(peerMB, 1)} MB,`
  + ` gatehouse/peer ${fmt(ghMB / peerMB, 2)}x`);

console.log('');
console.log('targets (requests/s, gatehouse/oidc-provider over all rounds; RSS absolute):');
for (const ep of endpoints) {
  const r = ratios[ep];
  const status = r === undefined ? 'NOT MEASURED' : (r >= TARGETS[ep] ? 'met' : 'MISSED');
  const perCpu = cpuRatios[ep] === undefined ? '' : `   (per CPU-second: ${fmt(cpuRatios[ep], 2)}x)`;
  console.log(`  ${padr(LABELS[ep], 16)}>= ${fmt(TARGETS[ep], 1)}x   ${pad(r === undefined ? '-' : `${fmt(r, 2)}x`, 8)}   ${padr(status, 6)}${perCpu}`);
}
console.log(`  ${padr('gatehouse RSS', 16)}<= ${RSS_TARGET_MB} MB  ${pad(`${fmt(ghMB, 1)} MB`, 8)}   ${ghMB <= RSS_TARGET_MB ? 'met' : 'MISSED'}`);

if (invalid.length) {
  console.log('');
  console.log('INVALID: these runs had failed requests (non-2xx, bad answers, socket errors) or none at all;');
  console.log('the comparison above leaves them out and is not a valid measurement:');
  for (const { file, r } of invalid) {
    console.log(`  ${file}: ${r ? `${r.failed} of ${r.requests} failed; first: ${r.firstError || '(socket errors)'}` : 'no summary'}`);
  }
  process.exit(1);
}
