#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of the packable projects under src/ from the public API the compiler sees.
#
#   eng/update-public-api.sh                 every src/*/ that has a PublicAPI.Shipped.txt
#   eng/update-public-api.sh src/ComfyUI.Reactive
#
# Run it after any change to the public API (and after merging branches that add some), then review the diff of
# PublicAPI.Unshipped.txt: that diff IS the API change.
#
# Why a script: the analyzer's code fix that declares a symbol runs only in an IDE. On the command line each RS0016
# message carries the exact entry text ("Symbol '<entry>' is not part of the declared public API"), so the script
# empties the Unshipped file, rebuilds, and writes the reported entries back, sorted (ordinal, so every machine writes
# the same file). PublicAPI.Shipped.txt is never touched: at a release, move the Unshipped entries into it by hand.
# A Shipped entry whose symbol is gone is reported (RS0017) and left for a human: if the removal is intended, it goes
# into Unshipped as "*REMOVED*<entry>" and the release notes say so.
set -euo pipefail
cd "$(dirname "$0")/.."

projects=("$@")
if [[ ${#projects[@]} -eq 0 ]]; then
  for dir in src/*/; do
    [[ -f "${dir}PublicAPI.Shipped.txt" ]] && projects+=("${dir%/}")
  done
fi

status=0
for dir in "${projects[@]}"; do
  dir="${dir%/}"
  csproj=$(ls "$dir"/*.csproj)
  unshipped="$dir/PublicAPI.Unshipped.txt"
  log=$(mktemp)
  backup=$(mktemp)
  cp "$unshipped" "$backup" 2>/dev/null || printf '#nullable enable\n' >"$backup"
  printf '#nullable enable\n' >"$unshipped"

  # --no-incremental: an up-to-date project would not run the compiler, and so report nothing.
  dotnet build "$csproj" --no-incremental -nologo -clp:NoSummary -p:TreatWarningsAsErrors=false >"$log" 2>&1 || true

  if grep -E ': error [A-Z]+[0-9]+' "$log" | grep -vqE ': error RS00(16|17):'; then
    cp "$backup" "$unshipped"
    echo "$dir: the build has errors other than undeclared API; fix them first (Unshipped file left as it was):" >&2
    grep -E ': error [A-Z]+[0-9]+' "$log" | grep -vE ': error RS00(16|17):' | sort -u | head -20 >&2
    status=1
    continue
  fi

  {
    printf '#nullable enable\n'
    grep -oP ": error RS0016: Symbol '\K.*(?=' is not part of the declared (public )?API)" "$log" | LC_ALL=C sort -u || true
  } >"$unshipped"
  echo "$dir: $(($(wc -l <"$unshipped") - 1)) unshipped entries ($(diff "$backup" "$unshipped" | grep -c '^[<>]' || true) lines changed)"

  if grep -q ': error RS0017:' "$log"; then
    echo "$dir: shipped API that no longer exists (add '*REMOVED*<entry>' lines to $unshipped if intended):" >&2
    grep -oP ": error RS0017: Symbol '\K.*(?=' is part of the declared API)" "$log" | LC_ALL=C sort -u >&2
    status=1
  fi
  rm -f "$log" "$backup"
done

# The files must now satisfy the analyzer in a normal build.
if [[ $status -eq 0 ]]; then
  for dir in "${projects[@]}"; do
    dotnet build "$(ls "${dir%/}"/*.csproj)" -nologo -clp:NoSummary -v:q >/dev/null || { echo "${dir%/}: build still fails" >&2; status=1; }
  done
fi
exit $status
