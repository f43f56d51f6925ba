import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StationConfigError, stationConfigFromEnv } from './config';

test('the station reads its settings from one environment, none of them required', () => {
  assert.deepEqual(stationConfigFromEnv({}), { dataDir: null, rendererDir: null, serverUrl: null, credentialFile: null, credential: null, releasePublicKeyFile: null, appVersion: null });
  const c = stationConfigFromEnv({ WARDSTATION_SERVER_URL: 'https://ward.example', WARDSTATION_STATION_CREDENTIAL_FILE: '/run/cred', WARDSTATION_APP_VERSION: '1.2.3' });
  assert.deepEqual([c.serverUrl, c.credentialFile, c.appVersion], ['https://ward.example', '/run/cred', '1.2.3']);
});

test('a bad value stops the station with one sentence naming the variable, never its value', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ WARDSTATION_SERVER_URL: 'ward.example', WARDSTATION_STATION_CREDENTIAL_FILE: '/run/cred' }, /^WARDSTATION_SERVER_URL must be an http\(s\) URL$/],
    [{ WARDSTATION_APP_VERSION: 'latest' }, /^WARDSTATION_APP_VERSION must be a version/],
    [{ WARDSTATION_SERVER_URL: 'https://ward.example' }, /^WARDSTATION_SERVER_URL and WARDSTATION_STATION_CREDENTIAL_FILE go together/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => stationConfigFromEnv(env), (e: unknown) => e instanceof StationConfigError && message.test(e.message) && !e.message.includes('ward.example'), JSON.stringify(env));
  }
});
