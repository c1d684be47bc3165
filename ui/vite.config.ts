/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig, type ProxyOptions } from 'vite'

/**
 * In development (and in e2e until the sidecar serves the UI itself) the browser talks to this
 * server, which forwards /api and /health to the sidecar and adds the bearer token on the way:
 * the token stays in this Node process and never reaches the page.
 *
 *   KUBILITICS_URL   the sidecar's URL (from its "listening" log line)
 *   KUBILITICS_HOME  where session.token lives (default ~/.kubilitics)
 */
function sidecarProxy(): Record<string, ProxyOptions> | undefined {
  const target = process.env.KUBILITICS_URL
  if (!target) return undefined
  const home = process.env.KUBILITICS_HOME ?? join(process.env.HOME ?? '', '.kubilitics')
  const token = () => {
    try {
      return readFileSync(join(home, 'session.token'), 'utf8').trim()
    } catch {
      return ''
    }
  }
  const common: ProxyOptions = {
    target,
    changeOrigin: true,
    secure: false,
    configure: (proxy) => {
      proxy.on('proxyReq', (req) => req.setHeader('Authorization', `Bearer ${token()}`))
      proxy.on('proxyReqWs', (req) => req.setHeader('Authorization', `Bearer ${token()}`))
    },
  }
  return { '/api': { ...common, ws: true }, '/health': common }
}

export default defineConfig({
  plugins: [react()],
  server: { proxy: sidecarProxy() },
  preview: { proxy: sidecarProxy() },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 700,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
  },
})
