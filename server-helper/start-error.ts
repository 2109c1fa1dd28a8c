/** Refused to start, with the reason a person can act on (its own module so the CLI need not load the server). */
export class StartError extends Error {
  override readonly name = 'StartError';
}
