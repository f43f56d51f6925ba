import { configFromEnv } from './config';
import { createLogger } from './log';
import { startServer } from './run';

/* `npm run server`: a server against DATABASE_URL (app role), migrating with DATABASE_OWNER_URL when set. */
const log = createLogger();
try {
  const server = await startServer(configFromEnv(process.env), log);
  log.info('listening', { url: server.url });
  const stop = (signal: string) => {
    log.info('draining', { signal });
    const delay = Number(process.env.DRAIN_DELAY_MS ?? 2000);
    server.drain(delay).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (e) {
  log.error('server failed to start', { error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
