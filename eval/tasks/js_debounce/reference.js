export function debounce(fn, waitMs, clock) {
  let timer = null;
  let args = null;
  const run = () => { timer = null; const a = args; args = null; fn(...a); };
  const debounced = (...a) => {
    args = a;
    if (timer !== null) clock.clearTimeout(timer);
    timer = clock.setTimeout(run, waitMs);
  };
  debounced.cancel = () => { if (timer !== null) clock.clearTimeout(timer); timer = null; args = null; };
  debounced.flush = () => { if (timer !== null) { clock.clearTimeout(timer); run(); } };
  return debounced;
}
