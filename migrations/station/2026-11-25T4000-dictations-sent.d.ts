export declare const name = "2026-11-25T4000-dictations-sent";
export declare const statements: string[];
