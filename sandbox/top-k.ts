/**
 * The `k` smallest values offered, by `compare`, in order: a bounded max-heap, so a page of a sorted search
 * costs O(n log k) and k rows of memory instead of sorting every match.
 */
export class TopK<T> {
  private readonly heap: T[] = [];

  constructor(private readonly k: number, private readonly compare: (a: T, b: T) => number) {}

  offer(value: T): void {
    if (this.k <= 0) return;
    const heap = this.heap;
    if (heap.length < this.k) {
      heap.push(value);
      this.up(heap.length - 1);
    } else if (this.compare(value, heap[0]) < 0) {
      heap[0] = value;
      this.down(0);
    }
  }

  sorted(): T[] {
    return [...this.heap].sort(this.compare);
  }

  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(heap[i], heap[parent]) <= 0) return;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < heap.length && this.compare(heap[left], heap[largest]) > 0) largest = left;
      if (right < heap.length && this.compare(heap[right], heap[largest]) > 0) largest = right;
      if (largest === i) return;
      [heap[i], heap[largest]] = [heap[largest], heap[i]];
      i = largest;
    }
  }
}
