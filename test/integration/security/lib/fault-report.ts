// Fault-injection tests (dependencies unreachable, MongoDB down, workerd restarted, transcoder
// killed) record what they did in the security report: faults injected, acknowledged writes checked
// after a fault, and how many of those were lost. The tests keep their own assertions; this only
// counts, so the report can state "0 lost acknowledged writes" with the number it rests on.
import { emptyCounts, writeCounts } from './report'

export interface FaultRecorder {
  /** One fault put in place (a dependency stopped, a process killed or restarted). */
  injected(): void
  /** Acknowledged writes looked for after a fault, and how many of them were missing. */
  checkedWrites(checked: number, lost: number): void
  /** Writes the counts file; call from afterAll. */
  save(): void
}

export function faultRecorder(file: string): FaultRecorder {
  const counts = emptyCounts()
  counts.tried = { faultsInjected: 0, acknowledgedWritesChecked: 0 }
  return {
    injected() {
      counts.tried.faultsInjected!++
    },
    checkedWrites(checked, lost) {
      counts.tried.acknowledgedWritesChecked! += checked
      counts.lostAcknowledgedWrites += lost
    },
    save: () => writeCounts(`faults-${file}`, counts),
  }
}
