/**
 * Actor ID conventions (as in the DACA tutorials): related actors compute each other's ids, so any actor
 * can route to its child or peer without a lookup, and ids reveal relationships in logs.
 */

/**
 * Conversation ids (and user ids) are URL-safe, 1..100 characters, and not `.` or `..`: those are path
 * segments a URL normaliser removes (daprd does, before routing an actor call), so they are refused in both
 * runtimes alike.
 */
export const ID_PATTERN = "^(?!\\.{1,2}$)[A-Za-z0-9_.~-]{1,100}$";
const idRegex = new RegExp(ID_PATTERN);

export function isValidId(id: string): boolean {
  return idRegex.test(id);
}

/** The ResponseAgent child of ChatAgent `id`. */
export const responseAgentId = (id: string): string => `response-${id}`;
/** The MemoryAgent peer of conversation `id`. */
export const memoryAgentId = (id: string): string => `memory-${id}`;

/** Inverse of the conventions: the conversation id an agent id belongs to. */
export function conversationIdOf(agentId: string): string {
  for (const prefix of ["response-", "memory-"])
    if (agentId.startsWith(prefix)) return agentId.slice(prefix.length);
  return agentId;
}
