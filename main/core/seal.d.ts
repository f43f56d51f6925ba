export interface Sealer {
    seal(plain: string): string;
    open(stored: string): string;
}
export declare function createSealer(key: Buffer): Sealer;
/** main/host's key provider: a random key in a 0600 file, created on first use. */
export declare function keyFromFile(file: string): Buffer;
