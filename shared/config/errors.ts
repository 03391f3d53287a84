/** Raised when configuration is invalid; the message names every bad key and why. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid eip-keeper configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
