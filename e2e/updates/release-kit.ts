import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { releaseSignatureMessage } from '../../contract/releases';

/*
 * What a release engineer holds in tests: an Ed25519 key pair made for the run (never committed),
 * artifacts written to the server's release files folder, and feed entries signed as
 * the release signing format says (releaseSignatureMessage over version, file name, sha512).
 */

export interface ReleaseKeys {
  publicPem: string;
  privateKey: KeyObject;
}

export function makeReleaseKeys(): ReleaseKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

export function signFile(privateKey: KeyObject, version: string, fileName: string, sha512: string): string {
  return sign(null, Buffer.from(releaseSignatureMessage(version, fileName, sha512), 'utf8'), privateKey).toString('base64');
}

export interface BuiltArtifact {
  fileName: string;
  sha512: string;
  size: number;
  bytes: Buffer;
}

/** A release artifact (random bytes standing for a .deb) written into the server's files folder. */
export function writeArtifact(filesDir: string, version: string, size = 256 * 1024): BuiltArtifact {
  const fileName = `WardStation-${version}-linux-x64.deb`;
  const bytes = randomBytes(size);
  writeFileSync(path.join(filesDir, fileName), bytes);
  return { fileName, bytes, size, sha512: createHash('sha512').update(bytes).digest('base64') };
}

/**
 * The release as IT publishes it (POST /api/releases): an artifact already in the server's store,
 * named, with the release manager's signature; the server hashes the file itself.
 */
export function releaseBody(channel: string, version: string, artifact: BuiltArtifact, signer: KeyObject) {
  return {
    channel,
    version,
    notes: `Release ${version}`,
    files: [{ platform: 'linux', name: artifact.fileName, signature: signFile(signer, version, artifact.fileName, artifact.sha512) }],
  };
}

/** The IT administrator's JSON client of the server (the console's API). */
export async function itClient(serverUrl: string, username: string, password: string, branch: string) {
  const login = await fetch(`${serverUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, branch }) });
  if (!login.ok) throw new Error(`IT login failed: ${login.status}`);
  const { token } = (await login.json()) as { token: string };
  return async (method: string, route: string, body?: unknown): Promise<any> => {
    const r = await fetch(`${serverUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${route}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}
