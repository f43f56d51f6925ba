import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { releaseSignatureMessage } from '../../../contract/releases';

/*
 * Release signatures (Ed25519, see releaseSignatureMessage): the station trusts an artifact only
 * when its signature verifies with the release public key shipped in the station, whatever the
 * feed and its sha512 say. Checked twice: on the feed's entries before a download, and on the
 * downloaded bytes' own SHA-512 after it.
 */

export interface OfferedFile {
  url: string;
  sha512: string;
  signature?: string | undefined;
}

export class SignatureError extends Error {}

export function loadPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new SignatureError('the release public key is not an Ed25519 key');
  return key;
}

/** The url's last path segment, as written in the feed: the file name the signature covers. */
export function fileNameOf(url: string): string {
  return url.split(/[?#]/)[0]!.split('/').pop() ?? '';
}

export function signatureValid(key: KeyObject, version: string, file: OfferedFile, sha512 = file.sha512): boolean {
  if (!file.signature) return false;
  try {
    return verify(null, Buffer.from(releaseSignatureMessage(version, fileNameOf(file.url), sha512), 'utf8'), key, Buffer.from(file.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Every file the feed offers must carry a valid signature; throws SignatureError naming the first that does not. */
export function verifyOffer(key: KeyObject | null, version: string, files: readonly OfferedFile[]): void {
  if (!key) throw new SignatureError('no release public key on this station: updates are refused');
  if (files.length === 0) throw new SignatureError(`release ${version} lists no files`);
  for (const f of files) {
    if (!signatureValid(key, version, f)) throw new SignatureError(`release ${version}: ${fileNameOf(f.url)} has ${f.signature ? 'a signature that does not verify' : 'no signature'}`);
  }
}

export async function sha512Of(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

/** The downloaded file's own hash must be one a valid signature covers. */
export async function verifyDownloaded(key: KeyObject | null, version: string, files: readonly OfferedFile[], downloaded: string): Promise<void> {
  const actual = await sha512Of(downloaded);
  if (!key || !files.some((f) => f.sha512 === actual && signatureValid(key, version, f, actual))) {
    throw new SignatureError(`release ${version}: the downloaded file is not the signed artifact`);
  }
}
