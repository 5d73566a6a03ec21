/** A mistake in a cost input (usage file, price file, option, git ref): printed without a stack trace. */
export class CostInputError extends Error {
  override readonly name = "CostInputError";
}
