/** A problem document (RFC 9457) as the services answer a refusal or an error. */
export interface Problem {
  title?: string;
  detail?: string;
  code?: string;
  reason?: string;
}

/** A service's refusal or failure; status 0 when it could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(`${service} answered ${status}`);
  }
}

/**
 * Calls a service through the console's server (`/api/<service>/…`) with the
 * signed-in official's token. The console decides nothing: a 401 or 403 is the
 * service's answer and is shown as such.
 */
export async function callService<T>(service: string, path: string, token: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/${service}${path}`, {
      headers: { accept: "application/json", authorization: `Bearer ${token}` },
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(service, 0, undefined);
  }
  if (!response.ok) throw new ApiError(service, response.status, await problemOf(response));
  return (await response.json()) as T;
}

/** An operator's action on a service (POST): a JSON body when given; the answer's JSON. */
export async function postToService<T>(service: string, path: string, token: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/${service}${path}`, {
      method: "POST",
      headers: {
        accept: "application/json",
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(service, 0, undefined);
  }
  if (!response.ok) throw new ApiError(service, response.status, await problemOf(response));
  return (await response.json()) as T;
}

/** The console server's own endpoints (settings, units, development sign-in). */
export async function callConsole<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`/console${path}`, init);
  if (!response.ok) throw new ApiError("console", response.status, await problemOf(response));
  return (await response.json()) as T;
}

async function problemOf(response: Response): Promise<Problem | undefined> {
  try {
    return (await response.json()) as Problem;
  } catch {
    return undefined;
  }
}
