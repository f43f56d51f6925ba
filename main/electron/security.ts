/*
 * The station window's security settings, kept apart from Electron's API so they can be tested
 * and scanned. The renderer is served from our own privileged scheme, never file:// or http.
 */

export const APP_SCHEME = 'wardstation';
export const APP_ORIGIN = `${APP_SCHEME}://station`;

export { STATION_CSP } from '../../contract/station-csp';

export function isOwnOrigin(url: string | null): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Navigation away from the app is never allowed: a clinical screen cannot be replaced by a web page. */
export function isAllowedNavigation(url: string): boolean {
  return isOwnOrigin(url);
}

/** Permissions a station page may get: the microphone (dictation) from our own origin, nothing else. */
export function isAllowedPermission(permission: string, requestingUrl: string, mediaTypes: readonly string[] = []): boolean {
  if (!isOwnOrigin(requestingUrl)) return false;
  if (permission !== 'media') return false;
  return mediaTypes.every((t) => t === 'audio');
}
