import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/*
 * The demo hospital's release setup, so that staged releases work end to end on `npm start`:
 * an artifact store for the server, and a release key pair whose public half both the server
 * (checks signatures at publish) and the demo station (refuses what does not verify) use. A real
 * deployment sets WARDSTATION_RELEASE_PUBLIC_KEY and UPDATE_FILES_DIR itself, and its private
 * key stays with the release manager; then nothing here is made or changed.
 */
export interface DemoReleases {
  filesDir: string;
  publicKeyFile: string;
  /** Present when this demo made its own key pair (the signing key for `release publish`). */
  signingKeyFile: string | null;
}

/** `env` is the launcher's; the server's and the station's configuration then take UPDATE_FILES_DIR and WARDSTATION_RELEASE_PUBLIC_KEY from the answer. */
export function ensureDemoReleases(dataDir: string, env: Readonly<Record<string, string | undefined>>): DemoReleases {
  const dir = path.join(dataDir, 'releases');
  const filesDir = env.UPDATE_FILES_DIR || path.join(dir, 'files');
  mkdirSync(filesDir, { recursive: true, mode: 0o700 });
  if (env.WARDSTATION_RELEASE_PUBLIC_KEY) return { filesDir, publicKeyFile: env.WARDSTATION_RELEASE_PUBLIC_KEY, signingKeyFile: null };
  const signingKeyFile = path.join(dir, 'demo-release-signing-key.pem');
  const publicKeyFile = path.join(dir, 'demo-release-public-key.pem');
  if (!existsSync(signingKeyFile) || !existsSync(publicKeyFile)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(signingKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chmodSync(signingKeyFile, 0o600);
    writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  }
  return { filesDir, publicKeyFile, signingKeyFile };
}
