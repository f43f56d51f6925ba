import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactName, releaseSignatureMessage } from '../../contract/releases';

/*
 * The server's own artifact store: a folder (UPDATE_FILES_DIR) that the admin CLI or the console
 * uploads into and the feed serves from. The server computes each artifact's SHA-512 and size
 * itself at publish; a release can name nothing outside this folder.
 */

export class ArtifactError extends Error {}

export function artifactPath(dir: string, name: string): string {
  const parsed = ArtifactName.safeParse(name);
  if (!parsed.success) throw new ArtifactError(`${name}: not a plain artifact file name`);
  return path.join(dir, parsed.data);
}

/** Writes an upload under a temporary name and renames it into place, so a half upload is never served. */
export async function storeArtifact(dir: string, name: string, content: Readable): Promise<{ sha512: string; size: number }> {
  const target = artifactPath(dir, name);
  await mkdir(dir, { recursive: true });
  const temp = `${target}.upload-${process.pid}-${Date.now()}`;
  await pipeline(content, createWriteStream(temp, { mode: 0o644 }));
  await rename(temp, target);
  const digest = await digestArtifact(dir, name);
  if (!digest) throw new ArtifactError(`${name} is empty`);
  return digest;
}

/** SHA-512 (base64, as electron-updater's feed carries it) and size of a stored artifact; null if absent. */
export async function digestArtifact(dir: string, name: string): Promise<{ sha512: string; size: number } | null> {
  const file = artifactPath(dir, name);
  const s = await stat(file).catch(() => null);
  if (!s?.isFile() || s.size === 0) return null;
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { sha512: hash.digest('base64'), size: s.size };
}

/** The release public key (PEM, SPKI) the server checks every published signature against. */
export function releasePublicKey(pem: string | Buffer): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new ArtifactError('the release public key is not an Ed25519 key');
  return key;
}

export function signatureHolds(key: KeyObject, version: string, name: string, sha512: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(releaseSignatureMessage(version, name, sha512), 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
