// Two projects: `unit` runs on its own (pure modules, the dev services' own tests); `integration`
// drives the real Worker in workerd against the local stand-ins started once by the global setup.
import { defineConfig } from 'vitest/config'
import DatabaseScannersFirst from './test/harness/sequencer'

export default defineConfig({
  test: {
    sequence: { sequencer: DatabaseScannersFirst },
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'test/*.test.ts',
            '{worker,shared,durable-objects,transcoder,dev-services}/**/*.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
