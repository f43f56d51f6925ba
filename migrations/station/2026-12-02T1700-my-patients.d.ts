export declare const name = "2026-12-02T1700-my-patients";
export declare const statements: string[];
