import { hash as digest, timingSafeEqual } from 'node:crypto';
import type { Database } from '../data/database.ts';
import type { Tenant } from '../data/tenant.ts';
import { newId, randomToken } from '../domain/ids.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Environment } from '../generated/prisma/enums.ts';
import { createApiKeyCache } from './api-key-cache.ts';

export interface Caller extends Tenant {
  /** The id of the API key (`key_…`, not the secret), which rate limits count by. */
  keyId: string;
}

const KEY_PATTERN = /^sk_(test|live)_[0-9A-Za-z]{24,99}$/;

export function hashApiKey(key: string): string {
  return digest('sha256', key, 'hex');
}

export function environmentOfKey(key: string): Environment | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  return match[1] === 'live' ? 'LIVE' : 'TEST';
}

export function generateApiKey(env: Environment): string {
  return `sk_${env === 'LIVE' ? 'live' : 'test'}_${randomToken(32)}`;
}

/** Stores a key (hashed) for an account; `key` may be given to seed a known demo key. */
export async function createApiKey(
  prisma: Pick<PrismaClient, 'apiKey'>,
  accountId: string,
  env: Environment,
  key = generateApiKey(env),
): Promise<string> {
  if (environmentOfKey(key) !== env) {
    throw new Error(`An API key for ${env} must look like sk_${env === 'LIVE' ? 'live' : 'test'}_ followed by 24 to 99 letters or digits`);
  }
  await prisma.apiKey.create({
    data: { id: newId('ApiKey'), accountId, env, hash: hashApiKey(key), last4: key.slice(-4) },
  });
  return key;
}

async function lookUpCaller(prisma: PrismaClient, hash: string, env: Environment): Promise<Caller | undefined> {
  const stored = await prisma.apiKey.findUnique({
    where: { hash },
    select: { id: true, hash: true, accountId: true, env: true, revokedAt: true },
  });
  if (!stored || stored.revokedAt || stored.env !== env) return undefined;
  // The lookup already matched the hash; comparing again in constant time costs nothing and
  // keeps the check safe if the lookup ever becomes a prefix or range match.
  if (!timingSafeEqual(Buffer.from(stored.hash), Buffer.from(hash))) return undefined;
  return { accountId: stored.accountId, env: stored.env, keyId: stored.id };
}

/**
 * Answers the caller a bearer key stands for, or undefined for a missing, malformed, unknown or
 * revoked key. Keys that authenticated are cached (src/auth/api-key-cache.ts) until they change.
 */
export function createAuthenticator(db: Database): (authorization: string | null) => Promise<Caller | undefined> {
  const cache = createApiKeyCache<Caller>(db);
  return async (authorization) => {
    const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    const env = key && environmentOfKey(key);
    if (!key || !env) return undefined;
    const hash = hashApiKey(key);
    return cache.caller(hash, () => lookUpCaller(db.prisma, hash, env));
  };
}

export interface RevokedKey {
  accountId: string;
  env: Environment;
  last4: string;
  /** False when the key had been revoked before. */
  newlyRevoked: boolean;
}

/**
 * Revokes a key at once: the database notifies every server process, which forgets the key
 * (src/auth/api-key-cache.ts) before its next request. Undefined for an unknown key.
 */
export async function revokeApiKey(prisma: PrismaClient, key: string): Promise<RevokedKey | undefined> {
  const hash = hashApiKey(key);
  const { count } = await prisma.apiKey.updateMany({ where: { hash, revokedAt: null }, data: { revokedAt: new Date() } });
  const stored = await prisma.apiKey.findUnique({ where: { hash }, select: { accountId: true, env: true, last4: true } });
  return stored ? { ...stored, newlyRevoked: count === 1 } : undefined;
}
