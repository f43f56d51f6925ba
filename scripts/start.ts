import type { Database } from '../server/db/database';
import { configFromEnv } from '../server/config';
import { migrateToLatest } from '../server/db/migrate';
import { createKysely, createPool } from '../server/db/pool';
import { createLogger } from '../server/log';
import { startServer } from '../server/run';
import { DEMO_PASSWORD, seedDemo } from '../server/seed/seed';
import { ensureUiBuilt } from './build-ui';
import { ensureDemoStation, type DemoStation } from './demo-station';
import { launchStation } from './launch-station';
import { dataDir } from './data-dir';
import { ensureDemoReleases } from './demo-releases';
import { resolveDatabase, type DatabaseEnv } from './database-env';
import { assertPortFree, StartupError } from '../server/startup';
import { progressBar } from './progress';
import { environment, launcherConfigFromEnv } from './config';

/*
 * `npm start`: the product on its embedded defaults. An embedded PostgreSQL under the data folder
 * (or DATABASE_URL + DATABASE_OWNER_URL), migrations, the demo hospital when the database is
 * empty, and the server on 127.0.0.1:8787 (PORT to change).
 */
let env: DatabaseEnv | null = null;
let stopping = false;
try {
  // Every setting is checked before anything starts: the launcher's, then the server's (with a
  // stand-in database URL until the database is known).
  const launcher = launcherConfigFromEnv(environment());
  const log = createLogger({ quiet: !launcher.verbose });
  const serverEnv = configFromEnv({ ...environment(), DATABASE_URL: 'postgres://to-be-resolved' });
  // A second start must fail here, before it touches the running one's database.
  await assertPortFree(serverEnv.host, serverEnv.port);
  env = await resolveDatabase(environment(), (message) => console.log(message));
  await migrateToLatest(env.ownerUrl, env.appUrl);
  const owner = createKysely<Database>(createPool({ connectionString: env.ownerUrl, max: 2, applicationName: 'wardstation-start', statementTimeoutMs: 0 }));
  let demo: DemoStation;
  try {
    const report = await seedDemo(owner, { referenceInstant: new Date().toISOString(), onProgress: progressBar('seeding the demo hospital') });
    if (report.seeded) console.log(`seeded a demo hospital: ${report.patients} patients in ${report.branches} branches`);
    demo = await ensureDemoStation(owner, dataDir());
  } finally {
    await owner.destroy();
  }
  const consoleDir = await ensureUiBuilt('console');
  // The server and the station both use the demo's release key and artifact store, unless configured.
  const releases = ensureDemoReleases(dataDir(), environment());
  const releaseEnv = { UPDATE_FILES_DIR: releases.filesDir, WARDSTATION_RELEASE_PUBLIC_KEY: releases.publicKeyFile };
  const config = { ...configFromEnv({ ...environment(), ...releaseEnv, DATABASE_URL: env.appUrl, DATABASE_OWNER_URL: '' }), consoleDir };
  const server = await startServer(config, log);
  const station = await launchStation(server.url, demo, launcher, releaseEnv, () => void stop());
  console.log(`
Hospital OS Ward Workstation server: ${server.url}
  database: ${env.embedded ? `embedded PostgreSQL under ${dataDir()}` : 'DATABASE_URL'}
  health:   ${server.url}/healthz   ${server.url}/readyz
  console:  ${server.url}/console/  (IT administrators: it.admin)
  sign in:  POST ${server.url}/api/auth/login  {"username":"dr.north","password":"${DEMO_PASSWORD}","branch":"north"}
            demo users (demo only): dr.north, nurse.north (branch north), dr.south (south), it.admin (both)
  example:  curl -s -X POST ${server.url}/api/auth/login -H 'content-type: application/json' \\
              -d '{"username":"dr.north","password":"${DEMO_PASSWORD}","branch":"north"}'

Ward station (demo station of branch north, enrolled on first start; credential in ${demo.dir}):
  ${station.mode === 'electron' ? 'opened in Electron' : `open in a browser: ${station.url}
  (no Electron runtime installed: the station runs in this process on loopback; the address holds its per-launch secret)`}
  sign in as dr.north or nurse.north, password ${DEMO_PASSWORD} (the station knows its branch)

Releases: artifact store ${releases.filesDir}${
    releases.signingKeyFile
      ? `
  demo release signing key ${releases.signingKeyFile} (demo only: a real release key stays with the release manager)
  publish: UPDATE_FILES_DIR=${releases.filesDir} WARDSTATION_RELEASE_PUBLIC_KEY=${releases.publicKeyFile} \\
             npm run admin -- release publish --channel stable --version 0.2.0 --signing-key ${releases.signingKeyFile} --file linux=<package>.deb`
      : ''
  }
Press Ctrl+C to stop.`);
  async function stop() {
    if (stopping) return;
    stopping = true;
    await station.stop();
    await server.drain(0);
    await env?.release();
    process.exit(0);
  }
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
} catch (e) {
  // One sentence, no stack trace: what is wrong and what to do.
  console.error(e instanceof StartupError ? e.message : `start failed: ${e instanceof Error ? e.message : String(e)}`);
  await env?.release().catch(() => {});
  process.exit(1);
}
