/** api_keys: validation by hash (fails closed), creation, disabling, an account's keys. */
import { createHash } from "node:crypto";
import { Checks, MAX_RETENTION_SECONDS, assertObject } from "./checks";
import type { Context } from "./context";
import { pageOptions, type Page, type PageOptions } from "./paging";
import { INDEXES, TABLES, indexKeyAttributes } from "./tables";
import { epochSeconds, fromEpochSeconds } from "./time";

/** A key hash as stored: the SHA-256 of the key, 64 lowercase hex digits (hashApiKey). */
export const API_KEY_HASH_PATTERN = /^[0-9a-f]{64}$/;

/** The hash to store and look up for a raw API key: SHA-256, lowercase hex. The raw key is never stored. */
export function hashApiKey(rawKey: string): string {
  new Checks("hashApiKey").text("rawKey", rawKey, { maxBytes: 4096 }).throwIfAny();
  return createHash("sha256").update(rawKey).digest("hex");
}

export interface ApiKey {
  readonly apiKeyHash: string;
  readonly accountId: string;
  readonly status: "active" | "disabled";
  readonly createdAt: Date;
  readonly label?: string;
  /** Set when the key has a lifetime, or when disabled (the record disappears then). */
  readonly expiresAt?: Date;
  readonly disabledAt?: Date;
}

export interface NewApiKey {
  readonly apiKeyHash: string;
  readonly accountId: string;
  readonly label?: string;
  /** @default now */
  readonly createdAt?: Date;
  /** The key stops validating at this instant. @default no lifetime */
  readonly expiresAt?: Date;
}

export type ApiKeyValidation =
  | { readonly outcome: "valid"; readonly accountId: string; readonly key: ApiKey }
  /** `malformed`: the stored record lacks a non-empty account_id or has a non-numeric expires_at (fails closed). */
  | { readonly outcome: "invalid"; readonly reason: "unknown" | "malformed" | "disabled" | "expired" };

export type ApiKeyCreation = { readonly outcome: "created"; readonly key: ApiKey } | { readonly outcome: "already_exists" };

export type ApiKeyDisabling =
  { readonly outcome: "disabled"; readonly expiresAt: Date } | { readonly outcome: "already_disabled" } | { readonly outcome: "not_found" };

const A = { hash: TABLES.apiKeys.partitionKey.name, account: INDEXES.apiKeysByAccount.partitionKey.name } as const;

function toApiKey(item: Record<string, unknown>): ApiKey {
  return {
    apiKeyHash: item[A.hash] as string,
    accountId: item[A.account] as string,
    status: item.status as ApiKey["status"],
    createdAt: new Date(item.created_at as string),
    ...(typeof item.label === "string" ? { label: item.label } : {}),
    ...(typeof item.expires_at === "number" ? { expiresAt: fromEpochSeconds(item.expires_at) } : {}),
    ...(typeof item.disabled_at === "string" ? { disabledAt: new Date(item.disabled_at) } : {}),
  };
}

function checkHash(checks: Checks, apiKeyHash: unknown): void {
  if (typeof apiKeyHash !== "string" || !API_KEY_HASH_PATTERN.test(apiKeyHash)) {
    checks.add("apiKeyHash: the SHA-256 of the key as 64 lowercase hex digits (hashApiKey(rawKey)); never the raw key");
  }
}

export class ApiKeys {
  constructor(private readonly context: Context) {}

  /**
   * The one call that authenticates a request: valid (with the account) only for an active key
   * that has not expired. One GetItem, strongly consistent by default so a key disabled a moment
   * ago never passes (1 RCU; `consistentRead: false` halves it and may pass a just-disabled key once).
   */
  async validate(apiKeyHash: string, options: { readonly consistentRead?: boolean } = {}): Promise<ApiKeyValidation> {
    const checks = new Checks("apiKeys.validate");
    checkHash(checks, apiKeyHash);
    checks.throwIfAny();
    const item = await this.context.get(
      "apiKeys.validate",
      this.context.tables.apiKeys,
      { [A.hash]: apiKeyHash },
      options.consistentRead ?? true,
    );
    if (!item) return { outcome: "invalid", reason: "unknown" };
    // Written by something else or damaged: never pass a key whose account or expiry cannot be read.
    const account = item[A.account];
    if (typeof account !== "string" || account.trim() === "" || (item.expires_at !== undefined && typeof item.expires_at !== "number")) {
      return { outcome: "invalid", reason: "malformed" };
    }
    if (item.status !== "active") return { outcome: "invalid", reason: "disabled" };
    if (this.context.expired(item.expires_at)) return { outcome: "invalid", reason: "expired" };
    const key = toApiKey(item);
    return { outcome: "valid", accountId: key.accountId, key };
  }

  /** Creates an active key (one conditional PutItem); a key with this hash already existing is `already_exists`. */
  async create(key: NewApiKey): Promise<ApiKeyCreation> {
    assertObject("apiKeys.create", "key", key);
    const checks = new Checks("apiKeys.create");
    checkHash(checks, key.apiKeyHash);
    checks.text("accountId", key.accountId);
    if (key.label !== undefined) checks.text("label", key.label);
    if (key.createdAt !== undefined) checks.date("createdAt", key.createdAt);
    if (key.expiresAt !== undefined && checks.date("expiresAt", key.expiresAt) && epochSeconds(key.expiresAt) <= this.context.now()) {
      checks.add(`expiresAt: in the past (${key.expiresAt.toISOString()}); a key must be valid when created`);
    }
    checks.throwIfAny();
    const createdAt = key.createdAt ?? this.context.clock();
    const item = {
      [A.hash]: key.apiKeyHash,
      [A.account]: key.accountId,
      status: "active",
      created_at: createdAt.toISOString(),
      ...(key.label !== undefined ? { label: key.label } : {}),
      ...(key.expiresAt ? { expires_at: epochSeconds(key.expiresAt) } : {}),
    };
    const result = await this.context.conditional("apiKeys.create", {
      put: { TableName: this.context.tables.apiKeys, Item: item, ConditionExpression: `attribute_not_exists(${A.hash})` },
    });
    return result.ok ? { outcome: "created", key: toApiKey(item) } : { outcome: "already_exists" };
  }

  /** active -> disabled (one conditional UpdateItem); the record is deleted by TTL after `retentionSeconds`. */
  async disable(apiKeyHash: string, options: { readonly retentionSeconds: number }): Promise<ApiKeyDisabling> {
    const checks = new Checks("apiKeys.disable");
    checkHash(checks, apiKeyHash);
    checks.wholeNumber("retentionSeconds", options?.retentionSeconds, 1, MAX_RETENTION_SECONDS);
    checks.throwIfAny();
    const expiresAt = this.context.now() + options.retentionSeconds;
    const result = await this.context.conditional("apiKeys.disable", {
      update: {
        TableName: this.context.tables.apiKeys,
        Key: { [A.hash]: apiKeyHash },
        UpdateExpression: "SET #status = :disabled, expires_at = :expires, disabled_at = :at",
        ConditionExpression: "#status = :active",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":active": "active",
          ":disabled": "disabled",
          ":expires": expiresAt,
          ":at": this.context.clock().toISOString(),
        },
      },
    });
    if (result.ok) return { outcome: "disabled", expiresAt: fromEpochSeconds(expiresAt) };
    return result.current ? { outcome: "already_disabled" } : { outcome: "not_found" };
  }

  /** An account's keys, newest first (expired ones dropped): one page (default 100) with a cursor. */
  async listForAccount(accountId: string, options?: PageOptions): Promise<Page<ApiKey>> {
    const operation = "apiKeys.listForAccount";
    new Checks(operation).text("accountId", accountId).throwIfAny();
    const index = INDEXES.apiKeysByAccount;
    const page = await this.context.queryPage(
      { operation, partition: [A.account, accountId], keyAttributes: indexKeyAttributes(TABLES.apiKeys, index) },
      pageOptions(operation, options, 100),
      {
        TableName: this.context.tables.apiKeys,
        IndexName: index.name,
        KeyConditionExpression: `${A.account} = :account`,
        ExpressionAttributeValues: { ":account": accountId },
        ScanIndexForward: false,
      },
    );
    return { items: page.items.map(toApiKey), cursor: page.cursor };
  }
}
