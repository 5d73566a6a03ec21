/**
 * Whether a resource policy's Deny statements refuse a request: the part of IAM's evaluation the
 * archive relies on (an explicit Deny wins over any Allow). Only the condition forms the archive
 * policies use are understood; anything else throws, so a new form cannot pass unexamined.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { matchesAny } from "../../guards/plan-guard-policy";

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

function conditionHolds(operator: string, key: string, expected: string | string[], request: Request): boolean {
  if (operator === "Bool" && key === "aws:SecureTransport") return list(expected).includes(String(request.secureTransport ?? true));
  if (operator === "ArnNotEquals" && key === "aws:PrincipalArn") return !list(expected).includes(request.principalArn);
  throw new Error(`condition ${operator} ${key} is not modelled`);
}

export function isDenied(policy: { Statement: Statement[] }, request: Request): boolean {
  return policy.Statement.some(
    (statement) =>
      statement.Effect === "Deny" &&
      // IAM's wildcards (`*`, `?`); actions compared ignoring case.
      matchesAny(list(statement.Action), request.action, true) &&
      matchesAny(list(statement.Resource), request.resource, false) &&
      Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, request)),
      ),
  );
}
