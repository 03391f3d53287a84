/** Types of bin/build.js (plain JavaScript: it runs before anything is compiled). */
export declare const ROOT: string;
export declare const OUT_DIR: string;
export declare const ENTRY: string;
export declare function isFresh(outDir?: string): boolean;
export declare function build(): Promise<void>;
export declare function ensureBuilt(): Promise<string>;
