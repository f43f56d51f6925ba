export declare const name = "2026-11-25T1000-initial";
export declare const statements: string[];
