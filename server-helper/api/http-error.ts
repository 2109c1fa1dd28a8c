/** The one way an API handler refuses: an Error with the HTTP status fastify answers with. */

/** A refusal with its HTTP status; the message says why and what would help. */
export function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode: status });
}
