/** An answer's status and its JSON body. */
export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A JSON request as a commune system or an official's client sends it, bounded so a hung service fails the test. */
export async function jsonCall(
  url: string,
  method = "GET",
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
