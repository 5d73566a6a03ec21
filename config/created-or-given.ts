/**
 * A resource this stack either creates or is given: "create", { arn } of an existing one, or
 * { remoteState, output } naming another team's state output. The KMS key and the alarm topic use it.
 */
import * as z from "./zod";

export const remoteStateOutput = z.strictObject({
  remoteState: z
    .string()
    .min(1, "required: the name of an entry in remoteStates")
    .meta({ description: "Name of an entry in remoteStates." }),
  output: z.string().min(1, "required: the output name in that state").meta({ description: "Output of that state holding the value." }),
});

export type CreatedOrGiven = "create" | { arn: string } | z.output<typeof remoteStateOutput>;

/** `what` names the resource in messages; `arnExample` shows the ARN shape expected. */
export const createdOrGiven = (arnPattern: RegExp, what: string, arnExample: string) =>
  z.union(
    [
      z.literal("create"),
      z.strictObject({
        arn: z
          .string()
          .regex(arnPattern, `must be ${what} ARN (${arnExample})`)
          .meta({ description: `ARN of an existing ${what.replace(/^an? /, "")}.` }),
      }),
      remoteStateOutput,
    ],
    { error: `must be "create", { arn: "${arnExample}" } or { remoteState, output }` },
  );

/** The remote state a reference reads, when it reads one. */
export const referencedRemoteState = (reference: CreatedOrGiven | undefined) =>
  typeof reference === "object" && "remoteState" in reference ? reference.remoteState : undefined;
