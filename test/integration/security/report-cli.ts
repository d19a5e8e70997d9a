// Combines the security suite's per-file counts (test-artifacts/security/) into
// test-artifacts/security-report.json and .md, and prints the totals. `npm test` does this on its
// own at the end of the integration run; this is for a partial run.
import { writeSecurityReport } from './lib/report'

const report = writeSecurityReport()
if (!report) {
  console.error(
    'no security counts found: run the security suite first (test/integration/security)',
  )
  process.exit(1)
}
console.log(JSON.stringify(report.total, null, 2))
