#!/bin/sh
# The image's entrypoint: `run-pipeline ARGS`, so `docker run IMAGE /pipelines/kaguya-tc.yaml --shards 64` runs a
# shard. A first argument `stacflow` or `run-pipeline` runs that command instead (`docker run IMAGE stacflow merge
# /pipelines/kaguya-tc.yaml --shards 64`): AWS Batch can override a job's command but not its image's entrypoint.
# `exec` leaves node as the container's main process, so it gets the SIGTERM of a pod deletion or a Batch
# termination itself (run-pipeline then cancels the run cleanly; its state keeps what was done).
set -e
case "$1" in
  stacflow | run-pipeline)
    command="$1"
    shift
    exec "$command" "$@"
    ;;
  *)
    exec run-pipeline "$@"
    ;;
esac
