"use strict";
// Container healthcheck for the service image. The slim Node image has no curl
// or wget, and Node is already there. Exits 0 only when the service in this
// container answers GET /readyz with a 2xx status within the timeout.

const port = Number(process.env.HTTP_PORT);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`readyz probe: HTTP_PORT must be a TCP port number, got "${process.env.HTTP_PORT ?? ""}"\n`);
  process.exit(2);
}

const timeoutMs = Number(process.env.READYZ_PROBE_TIMEOUT_MS ?? "3000");
const url = `http://127.0.0.1:${port}/readyz`;

fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
  (response) => {
    if (!response.ok) process.stderr.write(`readyz probe: ${url} answered ${response.status}\n`);
    process.exit(response.ok ? 0 : 1);
  },
  (error) => {
    process.stderr.write(`readyz probe: ${url} unreachable: ${error.message}\n`);
    process.exit(1);
  },
);
