// The order test files run in: vitest's own (failed first, then slowest first when it has timings,
// else largest first), except that the files whose "stored data unchanged" check reads every
// document of every collection (security/lib/snapshot.ts) run first, while the shared database is
// still small. Last, on a fresh clone (no timings, and they are small files), they read everything
// the other 150 files wrote: 56–68 s each in CI against 20–25 s alone.
import { BaseSequencer, type TestSpecification } from 'vitest/node'

const SCAN_THE_DATABASE = [
  /security\/bad-input-[a-z-]+\.test\.ts$/,
  /security\/csrf-matrix\.test\.ts$/,
  /security\/url-schemes\.test\.ts$/,
]

export default class DatabaseScannersFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const scans = (file: TestSpecification) =>
      SCAN_THE_DATABASE.some((pattern) => pattern.test(file.moduleId))
    return [...sorted.filter(scans), ...sorted.filter((file) => !scans(file))]
  }
}
