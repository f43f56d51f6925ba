import { loadServerConfig } from './config';
import { createLogger } from './log';
import { startServer } from './run';

/* `npm run server`: a server against DATABASE_URL (app role), migrating with DATABASE_OWNER_URL when set. */
const log = createLogger();
try {
  const config = loadServerConfig();
  const server = await startServer(config, log);
  log.info('listening', { url: server.url });
  const stop = (signal: string) => {
    log.info('draining', { signal });
    server.drain(config.drainDelayMs).then(
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
