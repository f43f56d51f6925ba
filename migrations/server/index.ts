import type { Migration } from 'kysely';
import * as core from './2026-11-25T0100-core';
import * as clinical from './2026-11-25T0200-clinical';
import * as audit from './2026-11-25T0300-audit';
import * as sync from './2026-11-25T1000-sync';

/** Every server migration, in order. Registration is explicit: add new ones at the end. */
export const serverMigrations: Record<string, Migration> = {
  '2026-11-25T0100-core': core,
  '2026-11-25T0200-clinical': clinical,
  '2026-11-25T0300-audit': audit,
  '2026-11-25T1000-sync': sync,
};
