import { StacflowError } from '../src/errors.js';

/**
 * An error the sandbox answers with, in stac-server's body shape (`src/lambdas/api/app.js` error handler):
 * `{"code":"BadRequest","description":"..."}` with 400, `{"code":"NotFound","description":"Not Found"}` with 404.
 */
export class SandboxApiError extends StacflowError {
  readonly status: number;
  readonly apiCode: string;

  constructor(status: number, apiCode: string, description: string) {
    super('ERR_SANDBOX_API', description);
    this.status = status;
    this.apiCode = apiCode;
  }

  get body(): { code: string; description: string } {
    return { code: this.apiCode, description: this.message };
  }
}

export const badRequest = (description: string): SandboxApiError => new SandboxApiError(400, 'BadRequest', description);
export const notFound = (): SandboxApiError => new SandboxApiError(404, 'NotFound', 'Not Found');
