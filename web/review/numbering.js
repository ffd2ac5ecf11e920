// Stable numbering of the validation queue (issue 18, item 5): each item keeps the number it
// got when the page first listed it ("Photo 3 sur 12") for the page's life. An item decided
// here stays in the list, marked ("validée", "refusée"), and one decided elsewhere (another
// director, another tab) stays too, marked as such: the other items never change number.

// Outcomes of a decision, as the list marks them.
export const APPROVED = "approved";
export const REJECTED = "rejected";
export const ELSEWHERE = "elsewhere";

export class Numbering {
  constructor() {
    this.numbers = new Map(); // media_id -> its number, from 1
    this.views = new Map(); // media_id -> its latest view (queue entry or decision answer)
    this.outcomes = new Map(); // media_id -> APPROVED | REJECTED, decided on this page
  }

  // The queue as the API gives it (oldest first): new items take the next numbers; an item
  // already numbered keeps its number and gets its fresh view.
  note(items) {
    for (const item of items) {
      if (!this.numbers.has(item.media_id)) this.numbers.set(item.media_id, this.numbers.size + 1);
      this.views.set(item.media_id, item);
    }
  }

  number(mediaId) {
    return this.numbers.get(mediaId) || 0;
  }

  get total() {
    return this.numbers.size;
  }

  decide(view, outcome) {
    if (!this.numbers.has(view.media_id)) return;
    this.views.set(view.media_id, view);
    this.outcomes.set(view.media_id, outcome);
  }

  // Every numbered item, by number: {item, number, outcome}; outcome null while it waits in
  // ``waiting`` (the queue's current items), ELSEWHERE if it left the queue without a decision
  // taken on this page.
  rows(waiting) {
    const open = new Map(waiting.map((item) => [item.media_id, item]));
    return [...this.numbers.entries()]
      .sort((a, b) => a[1] - b[1])
      .map(([id, number]) => {
        if (this.outcomes.has(id)) return { item: this.views.get(id), number, outcome: this.outcomes.get(id) };
        if (open.has(id)) return { item: open.get(id), number, outcome: null };
        return { item: this.views.get(id), number, outcome: ELSEWHERE };
      });
  }
}
