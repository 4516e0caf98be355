/** Exit codes (DESIGN.md "Conventions"). */
export const EXIT = Object.freeze({
  done: 0,
  aborted: 1,
  invalid: 2,
  someItemsFailed: 3,
});
