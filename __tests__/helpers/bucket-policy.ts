/**
 * Whether a resource policy's Deny statements refuse a request: the part of IAM's evaluation the
 * archive relies on (an explicit Deny wins over any Allow). Only the condition forms the archive
 * policies use are understood; anything else throws, so a new form cannot pass unexamined.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Request {
  readonly principalArn: string;
  readonly action: string;
  readonly resource: string;
  readonly secureTransport?: boolean;
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
/** IAM's wildcards: `*` any run of characters, `?` one; actions are compared ignoring case. */
export const iamWildcardMatches = (pattern: string, value: string, { ignoreCase = false } = {}) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    ignoreCase ? "i" : "",
  ).test(value);

function conditionHolds(operator: string, key: string, expected: string | string[], request: Request): boolean {
  if (operator === "Bool" && key === "aws:SecureTransport") return list(expected).includes(String(request.secureTransport ?? true));
  if (operator === "ArnNotEquals" && key === "aws:PrincipalArn") return !list(expected).includes(request.principalArn);
  throw new Error(`condition ${operator} ${key} is not modelled`);
}

export function isDenied(policy: { Statement: Statement[] }, request: Request): boolean {
  return policy.Statement.some(
    (statement) =>
      statement.Effect === "Deny" &&
      list(statement.Action).some((action) => iamWildcardMatches(action, request.action, { ignoreCase: true })) &&
      list(statement.Resource).some((resource) => iamWildcardMatches(resource, request.resource)) &&
      Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, request)),
      ),
  );
}
