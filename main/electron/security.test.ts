import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APP_ORIGIN, STATION_CSP, isAllowedNavigation, isAllowedPermission } from './security';

test('the CSP allows only our own code', () => {
  assert.match(STATION_CSP, /default-src 'none'/);
  assert.match(STATION_CSP, /script-src 'self'(;|$)/);
  assert.doesNotMatch(STATION_CSP, /unsafe-inline|unsafe-eval|\*/);
});

test('navigation and permissions stay inside our origin; only the microphone is ever granted', () => {
  assert.equal(isAllowedNavigation(`${APP_ORIGIN}/chart`), true);
  for (const url of ['https://example.org', 'file:///', 'javascript:alert(1)', 'wardstation://other/', 'not a url']) {
    assert.equal(isAllowedNavigation(url), false, url);
  }
  assert.equal(isAllowedPermission('media', `${APP_ORIGIN}/`, ['audio']), true);
  assert.equal(isAllowedPermission('media', `${APP_ORIGIN}/`, ['audio', 'video']), false);
  assert.equal(isAllowedPermission('media', 'https://example.org/', ['audio']), false);
  for (const p of ['geolocation', 'notifications', 'clipboard-read', 'openExternal']) assert.equal(isAllowedPermission(p, `${APP_ORIGIN}/`), false);
});
