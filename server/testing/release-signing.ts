import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { releaseSignatureMessage, type Platform, type PublishReleaseInput } from '../../contract/releases';
import { digestArtifact } from '../releases/artifacts';

/** A release key pair for tests and the demo (generated, never committed). */
export function releaseKeyPair(): { publicKey: KeyObject; privateKey: KeyObject; publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey,
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Writes artifacts into the store folder and returns the signed publish body, as the admin CLI would. */
export async function signedRelease(
  store: string,
  privateKey: KeyObject,
  channel: string,
  version: string,
  artifacts: { platform: Platform; name: string; content: string | Buffer }[],
  notes = '',
): Promise<PublishReleaseInput> {
  const files = [];
  for (const a of artifacts) {
    writeFileSync(path.join(store, a.name), a.content);
    const digest = (await digestArtifact(store, a.name))!;
    files.push({ platform: a.platform, name: a.name, signature: sign(null, Buffer.from(releaseSignatureMessage(version, a.name, digest.sha512)), privateKey).toString('base64') });
  }
  return { channel, version, notes, files };
}
