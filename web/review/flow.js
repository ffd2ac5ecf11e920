// "Photo précédente / suivante" and the next photo after a decision (issue 18, item 5).
//
// The page wires it once (wireFlow) with: ``rows()`` (the numbered items, in order:
// {item, outcome}), ``current()`` (the open item's id or null) and ``open(id)`` (opens an item,
// moves the focus to it). Other parts of the page may then call next(), previous() or
// openNextUndecided().

let hooks = null;

export function wireFlow(given) {
  hooks = given;
}

// The id ``step`` places from ``current`` in ``ids`` (no wrapping); the first (or the last,
// going back) when nothing is open; null past either end.
export function neighbour(ids, current, step) {
  if (!ids.length) return null;
  const index = ids.indexOf(current);
  if (index < 0) return step > 0 ? ids[0] : ids[ids.length - 1];
  const target = index + step;
  return target >= 0 && target < ids.length ? ids[target] : null;
}

// The first item still waiting after ``current``, wrapping round to the top; null if none.
export function nextUndecided(rows, current) {
  const index = rows.findIndex((row) => row.item.media_id === current);
  const ordered = [...rows.slice(index + 1), ...rows.slice(0, Math.max(index, 0))];
  const found = ordered.find((row) => !row.outcome);
  return found ? found.item.media_id : null;
}

function ids() {
  return hooks.rows().map((row) => row.item.media_id);
}

async function go(step) {
  if (!hooks) return false;
  const target = neighbour(ids(), hooks.current(), step);
  if (!target) return false;
  await hooks.open(target);
  return true;
}

export function next() {
  return go(1);
}

export function previous() {
  return go(-1);
}

// After a decision: open the next item still waiting; false if there is none.
export async function openNextUndecided() {
  if (!hooks) return false;
  const target = nextUndecided(hooks.rows(), hooks.current());
  if (!target) return false;
  await hooks.open(target);
  return true;
}
