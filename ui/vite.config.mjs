// The web UI of `epcsim serve`, built by `make ui` into dist-ui/ (served by src/serve/server.ts).
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: new URL(".", import.meta.url).pathname,
  plugins: [preact()],
  base: "/",
  build: {
    outDir: new URL("../dist-ui", import.meta.url).pathname,
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
  logLevel: "warn",
});
