export declare const name = "2026-11-25T1100-dictations";
export declare const statements: string[];
