/** Where the local stack keeps its data, and how other commands find a running stack. */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { StorageSettings } from '../../shared/storage/clients';
import { type LocalStores, startLocalStores } from './stores';

export function dataDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ROXTRAIL_DATA_DIR ?? '.roxtrail');
}

export interface Endpoints {
  pid: number;
  url: string;
  startedAt: string;
  storage: StorageSettings;
  /** How long an erasure by another process waits for this stack's collectors (erase.ts). */
  erasureSettleMs?: number;
}

export function endpointsFile(dataDir: string): string {
  return join(dataDir, 'endpoints.json');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** The endpoints of a stack running on this data directory, if one is. */
export function runningStack(dataDir: string): Endpoints | undefined {
  const file = endpointsFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
    return isAlive(endpoints.pid) ? endpoints : undefined;
  } catch {
    return undefined;
  }
}

export function writeEndpoints(dataDir: string, endpoints: Endpoints): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(endpointsFile(dataDir), `${JSON.stringify(endpoints, null, 2)}\n`);
}

export function removeEndpoints(dataDir: string): void {
  rmSync(endpointsFile(dataDir), { force: true });
}

export interface OpenedStorage {
  settings: StorageSettings;
  /** Where a running stack serves HTTP, when one runs. */
  url?: string;
  close(): Promise<void>;
}

/**
 * Storage for a CLI command: the running stack's servers when one runs (a LevelDB directory can be
 * opened by one process only), else the data directory opened directly for the command's duration.
 */
export async function openLocalStorage(dataDir: string): Promise<OpenedStorage> {
  const running = runningStack(dataDir);
  if (running) return { settings: running.storage, url: running.url, close: async () => undefined };
  const stores: LocalStores = await startLocalStores({ dataDir });
  return { settings: stores.settings, close: () => stores.close() };
}
