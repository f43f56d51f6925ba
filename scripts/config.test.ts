import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LauncherConfigError, launcherConfigFromEnv } from './config';

test("npm start's own settings: defaults, and one sentence for a bad value", () => {
  assert.deepEqual(launcherConfigFromEnv({}), { verbose: false, stationInBrowser: false, stationPort: 0, openBrowser: true });
  assert.deepEqual(launcherConfigFromEnv({ WARDSTATION_VERBOSE: '1', WARDSTATION_BROWSER: '1', WARDSTATION_NO_OPEN: '1', STATION_PORT: '9100' }), {
    verbose: true,
    stationInBrowser: true,
    stationPort: 9100,
    openBrowser: false,
  });
  assert.throws(() => launcherConfigFromEnv({ STATION_PORT: 'x' }), (e: unknown) => e instanceof LauncherConfigError && e.message === 'STATION_PORT must be a whole number from 0 to 65535');
  assert.throws(() => launcherConfigFromEnv({ WARDSTATION_BROWSER: 'yes' }), (e: unknown) => e instanceof LauncherConfigError && e.message === 'WARDSTATION_BROWSER must be 1 or 0');
});
