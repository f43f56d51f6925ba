import { type KeyObject } from 'node:crypto';
export interface OfferedFile {
    url: string;
    sha512: string;
    signature?: string | undefined;
}
export declare class SignatureError extends Error {
}
export declare function loadPublicKey(pem: string): KeyObject;
/** The url's last path segment, as written in the feed: the file name the signature covers. */
export declare function fileNameOf(url: string): string;
export declare function signatureValid(key: KeyObject, version: string, file: OfferedFile, sha512?: string): boolean;
/** Every file the feed offers must carry a valid signature; throws SignatureError naming the first that does not. */
export declare function verifyOffer(key: KeyObject | null, version: string, files: readonly OfferedFile[]): void;
export declare function sha512Of(file: string): Promise<string>;
/** The downloaded file's own hash must be one a valid signature covers. */
export declare function verifyDownloaded(key: KeyObject | null, version: string, files: readonly OfferedFile[], downloaded: string): Promise<void>;
