/** An error the test server answers in Salesforce's JSON shape `[{"message","errorCode"}]`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }

  /** The response body Salesforce sends for this error. */
  toBody(): Array<{ message: string; errorCode: string }> {
    return [{ message: this.message, errorCode: this.errorCode }];
  }
}
