import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** The console's pages, built into the package's dist/web, which its server serves (src/server.ts). */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    // Laptops and phones of 2026: no legacy transpilation.
    target: "es2022",
  },
  server: {
    // `npx vite --config web/vite.config.mts` for work on the pages, against a console server on :8080.
    proxy: { "/api": "http://127.0.0.1:8080", "/console": "http://127.0.0.1:8080" },
  },
});
