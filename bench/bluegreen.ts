import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/embedded-pg';
import { startServerProcess, type ServerProcess } from '../server/testing/server-process';
import { TEST_PASSWORD, twoBranches } from '../server/testing/fixtures';
import { createTestDatabase } from '../server/testing/test-db';
import { printFigures, writeResults, type Figure } from './lib';

/*
 * Blue-green behind nginx (Debian's package) under constant load: switch blue -> green and back.
 * A switch = write the config with the other upstream and reload nginx (SIGHUP: new workers use
 * the new upstream, old workers finish what they carry), then SIGTERM the old instance, which
 * turns /readyz unready, waits DRAIN_DELAY_MS, lets in-flight requests finish and exits.
 * Raw baseline, same run: the same load straight at one instance, without nginx.
 */

const WORKERS = 8;
const DRAIN_DELAY_MS = 1000;
const STEADY_MS = 1500;

function findNginx(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx']) {
    if (spawnSync(p, ['-v']).status === 0) return p;
  }
  return spawnSync('nginx', ['-v']).status === 0 ? 'nginx' : null;
}

function nginxConfig(dir: string, listenPort: number, upstreamPort: number): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream wardstation { server 127.0.0.1:${upstreamPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://wardstation;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`;
}

export async function run(): Promise<Record<string, Figure>> {
  const nginx = findNginx();
  if (!nginx) {
    console.log('  nginx is not installed (apt-get install -y nginx): blue-green benchmark skipped');
    return {};
  }
  const t = await createTestDatabase();
  await twoBranches(t.owner, 3);
  const dir = mkdtempSync(path.join(tmpdir(), 'ws-bluegreen-'));
  chmodSync(dir, 0o777); // nginx workers run as an unprivileged user when started as root
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, d), { mode: 0o777 });
  const conf = path.join(dir, 'nginx.conf');
  const env = { DRAIN_DELAY_MS: String(DRAIN_DELAY_MS), TRUST_PROXY: '1' };
  const start = () => startServerProcess({ databaseUrl: t.appUrl, env });
  let blue: ServerProcess = await start();
  const green: ServerProcess = await start();
  const portOf = (s: ServerProcess) => Number(new URL(s.url).port);
  const listen = await freePort();
  writeFileSync(conf, nginxConfig(dir, listen, portOf(blue)));
  const lb = spawn(nginx, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
  const lbUrl = `http://127.0.0.1:${listen}`;
  // New connection per request: a client reusing a connection that an old nginx worker is
  // closing would race that close; that is the client's retry policy, not the switch.
  const agent = new Agent({ keepAlive: false });
  const get = (url: string, token: string) =>
    new Promise<number>((resolve) => {
      const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end();
    });

  try {
    for (let i = 0; i < 100; i++) {
      if ((await get(`${lbUrl}/healthz`, '')) === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const login = await fetch(`${lbUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dr.north', password: TEST_PASSWORD, branch: 'north' }),
    });
    const { token } = (await login.json()) as { token: string };

    // Raw baseline: the same load straight at one instance.
    let rawServed = 0;
    const rawEnd = performance.now() + STEADY_MS;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (performance.now() < rawEnd) if ((await get(`${green.url}/api/me`, token)) === 200) rawServed++;
      }),
    );
    const rawRate = rawServed / (STEADY_MS / 1000);

    let served = 0;
    let failed = 0;
    const failures: Record<string, number> = {};
    let stop = false;
    const loadStart = performance.now();
    const load = Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (!stop) {
          const status = await get(`${lbUrl}/api/me`, token);
          if (status === 200) served++;
          else {
            failed++;
            failures[String(status)] = (failures[String(status)] ?? 0) + 1;
          }
        }
      }),
    );
    const switches: { from: string; to: string; reloadMs: number; drainedMs: number }[] = [];
    const switchTo = async (next: ServerProcess, old: ServerProcess, from: string, to: string) => {
      const t0 = performance.now();
      writeFileSync(conf, nginxConfig(dir, listen, portOf(next)));
      lb.kill('SIGHUP');
      // The reload is done when a request with a fresh connection lands on the new upstream:
      // old workers stop accepting at once, so wait briefly for the new worker to be up.
      await new Promise((r) => setTimeout(r, 100));
      const reloadMs = performance.now() - t0;
      await old.stop('SIGTERM');
      switches.push({ from, to, reloadMs, drainedMs: performance.now() - t0 });
      console.log(`  switch ${from} -> ${to}: nginx reloaded, ${from} drained and exited after ${Math.round(performance.now() - t0)} ms`);
    };
    await new Promise((r) => setTimeout(r, STEADY_MS));
    await switchTo(green, blue, 'blue', 'green');
    blue = await start(); // the next release's instance
    await new Promise((r) => setTimeout(r, STEADY_MS));
    await switchTo(blue, green, 'green', 'blue');
    await new Promise((r) => setTimeout(r, STEADY_MS));
    stop = true;
    await load;
    const loadSeconds = (performance.now() - loadStart) / 1000;

    const figures: Record<string, Figure> = {
      served: { value: served, unit: 'requests served through nginx during two switches' },
      failed: { value: failed, unit: 'requests failed', goal: '0' },
      switch1: { value: Math.round(switches[0]!.drainedMs), unit: 'ms blue -> green (reload, drain, exit of blue)' },
      switch2: { value: Math.round(switches[1]!.drainedMs), unit: 'ms green -> blue (reload, drain, exit of green)' },
      throughput: { value: served / loadSeconds, unit: 'requests/s through nginx across the switches' },
      rawThroughput: { value: rawRate, unit: 'requests/s straight at one instance (baseline)' },
      ratio: { value: served / loadSeconds / rawRate, unit: 'x the raw baseline' },
    };
    printFigures(figures);
    if (failed > 0) console.log(`  failures by status (0 = connection error): ${JSON.stringify(failures)}`);
    writeResults('bluegreen', figures, [
      `nginx ${spawnSync(nginx, ['-v'], { encoding: 'utf8' }).stderr.trim()}, ${WORKERS} client loops on GET /api/me (a session lookup in PostgreSQL), DRAIN_DELAY_MS=${DRAIN_DELAY_MS}`,
      `failures: ${JSON.stringify(failures)}`,
    ]);
    return figures;
  } finally {
    lb.kill('SIGQUIT');
    await new Promise((r) => lb.once('exit', r));
    await blue.stop();
    await green.stop();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  }
}
