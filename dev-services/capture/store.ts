// In-memory, newest-first list of captured messages, capped so a long dev session cannot grow it
// without bound.

export class CaptureList<T extends { id: string }> {
  private items: T[] = []

  constructor(
    private readonly matchesTo: (item: T, to: string) => boolean,
    private readonly limit = 500,
  ) {}

  add(item: T): T {
    this.items.unshift(item)
    if (this.items.length > this.limit) this.items.length = this.limit
    return item
  }

  list(to?: string | null): T[] {
    return to ? this.items.filter((item) => this.matchesTo(item, to)) : [...this.items]
  }

  clear(): void {
    this.items = []
  }
}
