import type { LoginRequest, LoginResponse } from '../../contract/auth';
import { type ServerApiClient } from '../../contract/server-api';
import { type Mutation, type PullResponse, type PushResponse } from '../../contract/sync';
import { ReleaseSignal } from '../../contract/releases';
import type { Health } from './health';
export declare class NetworkError extends Error {
}
export declare class ServerError extends Error {
    readonly status: number;
    readonly code: string;
    /** The server's own sentence (it names fields, never values), for the outbox view. */
    readonly detail: string;
    constructor(status: number, code: string, 
    /** The server's own sentence (it names fields, never values), for the outbox view. */
    detail?: string);
}
export interface ServerClient {
    login(req: LoginRequest): Promise<LoginResponse>;
    logout(token: string): Promise<void>;
    /** `signal` ends the call early (the station is shutting down). */
    push(token: string, mutations: Mutation[], signal?: AbortSignal): Promise<PushResponse>;
    pull(token: string, cursor: string, limit: number, signal?: AbortSignal): Promise<PullResponse>;
    /**
     * Server-sent events: calls onCursor per feed event, onSignal per release signal (a release,
     * rollback or flag change), until the abort signal fires or the stream ends.
     */
    live(token: string, onCursor: (cursor: string) => void, signal: AbortSignal, onSignal?: (s: ReleaseSignal) => void): Promise<void>;
}
export declare function createServerClient(baseUrl: string, credential: string, timeoutMs?: number, health?: Health): ServerClient;
/**
 * The client derived from contract/server-api.ts, sending the station's credential with every
 * call. A refusal is a ServerApiError (status and code); an unreachable server or a timeout is a
 * NetworkError.
 */
export declare function createStationServerApi(baseUrl: string, credential: string, timeoutMs: number): ServerApiClient;
