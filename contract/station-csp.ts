/**
 * The station page's Content Security Policy, the same in Electron (main/electron) and in the
 * browser over the loopback host (main/host): only our own code; the microphone for dictation is
 * granted separately, per request.
 */
export const STATION_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
