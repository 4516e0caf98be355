/** Exit codes (DESIGN.md "Conventions"): of a run, a merge, every command. */
export const EXIT = Object.freeze({
  done: 0,
  aborted: 1,
  invalid: 2,
  someItemsFailed: 3,
});
