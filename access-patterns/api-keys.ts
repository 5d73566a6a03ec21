/** api_keys: validation by hash (fails closed), creation, disabling, an account's keys. */
import type { Context } from "./context";
import { INDEXES } from "./context";
import { ConflictError, InvalidTransitionError, NotFoundError } from "./errors";
import { epochSeconds } from "./keys";
import { pageOptions, type Page, type PageOptions } from "./paging";

/** api_keys item. `expires_at` is set when the key is disabled (it disappears after retention) or when it has a lifetime. */
export interface ApiKey {
  api_key_hash: string;
  account_id: string;
  /** ISO-8601 UTC. */
  created_at: string;
  status: "active" | "disabled";
  label?: string;
  expires_at?: number;
}

export type ApiKeyValidation =
  | { readonly valid: true; readonly accountId: string; readonly key: ApiKey }
  | { readonly valid: false; readonly reason: "unknown" | "disabled" | "expired" };

export class ApiKeys {
  constructor(private readonly context: Context) {}

  /**
   * The one call that authenticates a request: valid (with the account) only for an active key
   * that has not expired. One GetItem (eventually consistent: a key disabled in the last second may
   * still pass once).
   */
  async validate(apiKeyHash: string): Promise<ApiKeyValidation> {
    const key = await this.context.get<ApiKey>("api_keys: validate key (get by hash)", this.context.tables.apiKeys, {
      api_key_hash: apiKeyHash,
    });
    if (!key) return { valid: false, reason: "unknown" };
    if (key.status !== "active") return { valid: false, reason: "disabled" };
    if (this.context.expired(key.expires_at)) return { valid: false, reason: "expired" };
    return { valid: true, accountId: key.account_id, key };
  }

  /** Creates an active key; a key with this hash already existing is a ConflictError. */
  async create(key: Omit<ApiKey, "status" | "expires_at"> & { expiresAt?: Date }): Promise<ApiKey> {
    const { expiresAt, ...fields } = key;
    const item: ApiKey = { ...fields, status: "active", ...(expiresAt ? { expires_at: epochSeconds(expiresAt) } : {}) };
    const result = await this.context.conditional("api_keys: create key", {
      put: { TableName: this.context.tables.apiKeys, Item: item, ConditionExpression: "attribute_not_exists(api_key_hash)" },
    });
    if (!result.ok) throw new ConflictError(`${this.context.tables.apiKeys}: a key with hash ${key.api_key_hash} already exists`);
    return item;
  }

  /** active -> disabled; the record is deleted by TTL after `retentionSeconds`. */
  async disable(apiKeyHash: string, retentionSeconds: number): Promise<void> {
    const table = this.context.tables.apiKeys;
    const result = await this.context.conditional<ApiKey>("api_keys: disable key", {
      update: {
        TableName: table,
        Key: { api_key_hash: apiKeyHash },
        UpdateExpression: "SET #status = :disabled, expires_at = :expires",
        ConditionExpression: "#status = :active",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":active": "active", ":disabled": "disabled", ":expires": this.context.now() + retentionSeconds },
      },
    });
    if (result.ok) return;
    if (!result.current) throw new NotFoundError(table, apiKeyHash);
    throw new InvalidTransitionError(table, apiKeyHash, result.current.status, "disabled");
  }

  /** An account's keys, newest first, one page (default 100) with a cursor. */
  async listForAccount(accountId: string, options?: number | PageOptions): Promise<Page<ApiKey>> {
    return this.context.queryPage<ApiKey>("api_keys: list account keys (GSI)", ["account_id", accountId], pageOptions(options, 100), {
      TableName: this.context.tables.apiKeys,
      IndexName: INDEXES.apiKeysByAccount,
      KeyConditionExpression: "account_id = :account",
      ExpressionAttributeValues: { ":account": accountId },
      ScanIndexForward: false,
    });
  }
}
