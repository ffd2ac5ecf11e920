#!/usr/bin/env bash
# Runs test layers one after the other and prints how long each took, at the end, even when
# one fails (the run stops at the first failing layer, like make, and exits with its status).
#   scripts/timed-layers.sh "name=command" ["name=command" ...]
set -uo pipefail
names=()
times=()
status=0
started=$(date +%s)
for layer in "$@"; do
  name=${layer%%=*}
  command=${layer#*=}
  echo "==> ${name}: ${command}"
  begin=$(date +%s)
  bash -c "${command}"
  status=$?
  names+=("${name}")
  times+=($(($(date +%s) - begin)))
  if [ "${status}" -ne 0 ]; then
    names[-1]="${name} (FAILED, exit ${status})"
    break
  fi
done
echo
echo "Time per layer:"
for i in "${!names[@]}"; do
  printf '  %-40s %4d s\n' "${names[$i]}" "${times[$i]}"
done
total=$(($(date +%s) - started))
printf '  %-40s %4d s (%dm%02ds)\n' "total" "${total}" $((total / 60)) $((total % 60))
exit "${status}"
