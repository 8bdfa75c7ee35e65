import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// WebKitGTK (Tauri on Linux) is the oldest engine we ship to: keep the output Safari-14 safe.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  envPrefix: ["VITE_", "TAURI_ENV_*"],
  server: {
    port: 5173,
    strictPort: true,
    // `pedigree serve --port 8765` in another terminal serves the API; the dev server proxies it.
    proxy: { "/api": { target: "http://127.0.0.1:8765", changeOrigin: false } },
  },
  build: {
    target: ["es2020", "safari14"],
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
  },
  worker: { format: "es" },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    testTimeout: 20000,
  },
});
