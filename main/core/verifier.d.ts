export interface Sealed {
    verifier: string;
    key: Buffer;
}
export declare function createVerifier(password: string): Promise<Sealed>;
/** The sealing key when the password matches, otherwise null. */
export declare function checkVerifier(password: string, verifier: string): Promise<Buffer | null>;
export declare function seal(key: Buffer, plain: string): string;
export declare function unseal(key: Buffer, box: string): string | null;
