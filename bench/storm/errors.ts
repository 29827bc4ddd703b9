/** A failure to set the benchmark up (not a missed target): exit code 2, naming the step. */
export class SetupError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
    this.name = 'SetupError';
  }
}
