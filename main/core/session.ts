import { randomBytes } from 'node:crypto';
import type { SessionUser } from '../../contract/auth';
import type { Store } from './store';
import { StationError } from './errors';
import { NetworkError, ServerError, type ServerClient } from './server-client';
import { checkVerifier, createVerifier, seal, unseal } from './verifier';

/*
 * Who is at the station. Online sign-in goes through the server (bound to this station); it
 * leaves a local verifier so the same user can sign in or unlock offline until the window IT
 * sets (default 12 hours) runs out. Lock keeps the user but shows nothing; another user signing
 * in is a fast switch: the previous user's session is gone from view, and every query of
 * drafts names the current user.
 */

export const DEFAULT_OFFLINE_UNLOCK_HOURS = 12;

export interface CurrentUser {
  user: SessionUser;
  branchCode: string;
  mode: 'online' | 'offline';
  /** Offline although the server answered: it throttles this name's sign-ins from here. */
  offlineReason?: 'server_throttled';
}

export interface Sessions {
  current(): CurrentUser | null;
  /** Whose session it is, locked or not (the lock screen names them). */
  holder(): CurrentUser | null;
  locked(): boolean;
  /** The current, unlocked user, or a StationError. */
  require(): CurrentUser;
  signIn(username: string, password: string, branch: string): Promise<CurrentUser>;
  unlock(password: string): Promise<CurrentUser>;
  lock(): void;
  signOut(): Promise<void>;
  /**
   * Derives the offline verifiers still owed by this launch's online sign-ins (one scrypt each)
   * and stores them; resolves when they are stored. The station calls it once the sign-in's
   * first sync round has ended (the ward is usable), at the latest a few seconds after the sign-in,
   * and before closing; unlock, sign-out and offline sign-in wait for it themselves.
   */
  settle(): Promise<void>;
  /** Server tokens of users signed in during this launch, for pushing their own outbox items. */
  tokenFor(userId: number): string | null;
  dropToken(userId: number): void;
}

interface LocalUserRow {
  user_id: number;
  profile: string;
  verifier: string;
  token_box: string | null;
  verified_until: number;
}

const MAX_UNLOCK_FAILURES = 5;

export function createSessions(store: Store, server: () => ServerClient | null, offlineUnlockHours = DEFAULT_OFFLINE_UNLOCK_HOURS, now = () => Date.now()): Sessions {
  let current: CurrentUser | null = null;
  let isLocked = false;
  let unlockFailures = 0;
  const tokens = new Map<number, string>();
  const windowMs = offlineUnlockHours * 3_600_000;

  /**
   * Offline verifiers owed by online sign-ins of this launch, by user: the password stays in
   * memory until its scrypt has run (`settle`). The user's row holds a `pending$…` marker
   * instead of a verifier meanwhile, which no password matches: a station stopped before the
   * verifier was stored refuses that user offline, as one that never saw their online sign-in.
   */
  const owed = new Map<number, { derive: () => Promise<void>; done: Promise<void> | null }>();
  const settle = async (userId?: number): Promise<void> => {
    const due = userId === undefined ? [...owed.values()] : [owed.get(userId)].filter((x) => x !== undefined);
    await Promise.all(due.map((d) => (d.done ??= d.derive())));
  };

  const localUser = (username: string, branch: string) =>
    store.prepare('SELECT user_id, profile, verifier, token_box, verified_until FROM local_users WHERE username = ? AND branch_code = ?').get(username.trim(), branch) as
      | LocalUserRow
      | undefined;

  async function offline(username: string, password: string, branch: string): Promise<CurrentUser> {
    await settle();
    const row = usable(localUser(username, branch));
    const key = row ? await checkVerifier(password, row.verifier) : await checkVerifier(password, DUMMY_VERIFIER);
    if (!row || !key) throw new StationError('unauthorized', 'invalid username, password or branch');
    if (row.verified_until < now()) throw new StationError('offline', 'offline sign-in has expired: sign in while the server is reachable');
    const token = row.token_box ? unseal(key, row.token_box) : null;
    if (token) tokens.set(row.user_id, token);
    return { user: JSON.parse(row.profile) as SessionUser, branchCode: branch, mode: 'offline' };
  }

  return {
    current: () => (isLocked ? null : current),
    holder: () => current,
    locked: () => isLocked,
    require() {
      if (!current) throw new StationError('unauthorized', 'sign in first');
      if (isLocked) throw new StationError('locked', 'the station is locked: unlock it with your password');
      return current;
    },
    async signIn(username, password, branch) {
      const client = server();
      let next: CurrentUser;
      try {
        if (!client) throw new NetworkError('not enrolled');
        const r = await client.login({ username, password, branch });
        // The offline verifier (one scrypt, as long as the server's check) is owed, not derived
        // here: the user waits for the server's check only, and the verifier is derived once the
        // ward is usable (settle). Until it is stored, the row's verifier is a marker that no
        // password matches, and its token box is empty.
        const marker = `pending$${randomBytes(12).toString('base64')}`;
        store
          .prepare(
            `INSERT INTO local_users (user_id, username, branch_code, profile, verifier, token_box, verified_until, updated_at)
             VALUES (?, ?, ?, ?, ?, NULL, ?, ?)
             ON CONFLICT (user_id) DO UPDATE SET username = excluded.username, branch_code = excluded.branch_code, profile = excluded.profile,
               verifier = excluded.verifier, token_box = excluded.token_box, verified_until = excluded.verified_until, updated_at = excluded.updated_at`,
          )
          .run(r.user.id, r.user.username, r.branch.code, JSON.stringify(r.user), marker, now() + windowMs, now());
        const derive = async () => {
          try {
            const { verifier, key } = await createVerifier(password);
            // Only over this sign-in's own marker: a later sign-in of the same user owes its own.
            store.prepare('UPDATE local_users SET verifier = ?, token_box = ? WHERE user_id = ? AND verifier = ?').run(verifier, seal(key, r.token), r.user.id, marker);
          } catch {
            // The marker stays: offline sign-in is refused until the next online one.
          } finally {
            if (owed.get(r.user.id) === entry) owed.delete(r.user.id);
          }
        };
        const entry = { derive, done: null };
        owed.set(r.user.id, entry);
        tokens.set(r.user.id, r.token);
        next = { user: r.user, branchCode: r.branch.code, mode: 'online' };
      } catch (e) {
        if (e instanceof ServerError && e.status === 401) throw new StationError('unauthorized', 'invalid username, password or branch');
        if (e instanceof ServerError && e.status === 429) {
          // The server slows this name down (someone typed wrong passwords here). A user who
          // signed in here recently still gets in with the local verifier, offline, and is told.
          await settle();
          const row = usable(localUser(username, branch));
          if (!row || row.verified_until < now()) {
            throw new StationError('unauthorized', e.detail || 'too many sign-in attempts: wait a few minutes and try again; if you have forgotten your password, call IT support');
          }
          next = { ...(await offline(username, password, branch)), offlineReason: 'server_throttled' };
          current = next;
          unlockFailures = 0;
          isLocked = false;
          return next;
        }
        if (e instanceof StationError) throw e;
        next = await offline(username, password, branch);
      }
      current = next;
      unlockFailures = 0;
      isLocked = false;
      return next;
    },
    async unlock(password) {
      if (!current) throw new StationError('unauthorized', 'sign in first');
      // Five wrong passwords at a locked screen end the session: the next person signs in afresh.
      if (unlockFailures >= MAX_UNLOCK_FAILURES) throw new StationError('unauthorized', 'too many wrong passwords: sign in again');
      await settle(current.user.id);
      if (!current) throw new StationError('unauthorized', 'sign in first');
      const row = store.prepare('SELECT verifier, verified_until FROM local_users WHERE user_id = ?').get(current.user.id) as LocalUserRow | undefined;
      if (!row || !(await checkVerifier(password, row.verifier))) {
        unlockFailures++;
        if (unlockFailures >= MAX_UNLOCK_FAILURES) {
          tokens.delete(current.user.id);
          current = null;
          isLocked = false;
          throw new StationError('unauthorized', 'too many wrong passwords: the session ended; sign in again');
        }
        throw new StationError('unauthorized', 'wrong password: try again, or use Switch user');
      }
      unlockFailures = 0;
      if (row.verified_until < now()) throw new StationError('offline', 'your offline sign-in has expired: sign in again while the server is reachable');
      isLocked = false;
      return current;
    },
    lock() {
      if (current) isLocked = true;
    },
    async signOut() {
      if (!current) return;
      // The verifier is stored first, so that this user can still sign in offline here later.
      await settle(current.user.id);
      if (!current) return;
      const id = current.user.id;
      const token = tokens.get(id);
      current = null;
      isLocked = false;
      store.prepare('UPDATE local_users SET token_box = NULL WHERE user_id = ?').run(id);
      // Keep the token until this user's outbox is empty? No: signing out ends the session;
      // unsent items wait for the next sign-in and are pushed then.
      tokens.delete(id);
      if (token) await server()?.logout(token).catch(() => {});
    },
    settle: () => settle(),
    tokenFor: (userId) => tokens.get(userId) ?? null,
    dropToken: (userId) => void tokens.delete(userId),
  };
}

/** A row whose verifier is stored (not a sign-in's pending marker), else undefined. */
const usable = (row: LocalUserRow | undefined) => (row?.verifier.startsWith('scrypt$') ? row : undefined);

/** Checked when the username is unknown here, so that the answer takes the same time. */
const DUMMY_VERIFIER = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
