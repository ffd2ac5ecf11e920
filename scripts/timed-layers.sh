#!/usr/bin/env bash
# Runs test layers and prints how long each took, at the end, even when one fails.
#
#   scripts/timed-layers.sh "name=command" ["name=command" ...] [-- "name=command" ...]
#
# Layers separated by a lone `--` form lanes that run beside each other; within a lane the
# layers run one after the other and the lane stops at its first failing layer (like make).
# Each layer's output goes to a log that is printed, whole, the moment the layer ends, so two
# lanes never interleave their lines. The script exits with the first failing layer's status.
set -uo pipefail

logs=$(mktemp -d "${TMPDIR:-/tmp}/pellicule-layers.XXXXXX")
trap 'rm -rf "${logs}"' EXIT
started=$(date +%s)

# Split the arguments into lanes (one file per lane listing its layers).
lane=0
: >"${logs}/lane0"
for argument in "$@"; do
  if [ "${argument}" = "--" ]; then
    lane=$((lane + 1))
    : >"${logs}/lane${lane}"
  else
    printf '%s\n' "${argument}" >>"${logs}/lane${lane}"
  fi
done
lanes=$((lane + 1))

# Prints under a lock: one lane's report never cuts through another's.
report() {
  (
    flock 9
    cat
  ) 9>"${logs}/print.lock"
}

run_lane() {
  local lane=$1 index=0 layer name command begin status seconds
  while IFS= read -r layer; do
    name=${layer%%=*}
    command=${layer#*=}
    index=$((index + 1))
    echo "==> ${name}: ${command}" | report
    begin=$(date +%s)
    if [ "${lanes}" -eq 1 ]; then
      bash -c "${command}"  # one lane: stream the output as it comes
      status=$?
    else
      bash -c "${command}" >"${logs}/${lane}.${index}.log" 2>&1
      status=$?
    fi
    seconds=$(($(date +%s) - begin))
    if [ "${lanes}" -ne 1 ]; then
      {
        echo "==> ${name}: finished in ${seconds} s (exit ${status})"
        cat "${logs}/${lane}.${index}.log"
      } | report
    fi
    printf '%s\t%s\t%s\n' "${name}" "${seconds}" "${status}" >>"${logs}/times${lane}"
    [ "${status}" -eq 0 ] || return "${status}"
  done <"${logs}/lane${lane}"
}

pids=()
for ((lane = 0; lane < lanes; lane++)); do
  : >"${logs}/times${lane}"
  run_lane "${lane}" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
  wait "${pid}"
  lane_status=$?
  if [ "${status}" -eq 0 ] && [ "${lane_status}" -ne 0 ]; then
    status=${lane_status}
  fi
done

echo
if [ "${lanes}" -eq 1 ]; then
  echo "Time per layer:"
else
  echo "Time per layer (${lanes} lanes side by side; lanes are numbered):"
fi
for ((lane = 0; lane < lanes; lane++)); do
  while IFS=$'\t' read -r name seconds layer_status; do
    [ "${layer_status}" -eq 0 ] || name="${name} (FAILED, exit ${layer_status})"
    [ "${lanes}" -eq 1 ] || name="[$((lane + 1))] ${name}"
    printf '  %-44s %4d s\n' "${name}" "${seconds}"
  done <"${logs}/times${lane}"
done
total=$(($(date +%s) - started))
printf '  %-44s %4d s (%dm%02ds)\n' "total (wall)" "${total}" $((total / 60)) $((total % 60))
exit "${status}"
