#!/usr/bin/env bash
# Adds android/permissions.xml's <uses-permission> lines to the generated
# Android manifest (run after `cargo tauri android init`; safe to run again).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
manifest=${1:-$here/gen/android/app/src/main/AndroidManifest.xml}
[[ -f $manifest ]] || { echo "no $manifest: run 'cargo tauri android init' first" >&2; exit 2; }
added=0
while IFS= read -r line; do
  perm=$(sed -n 's/.*android:name="\([^"]*\)".*/\1/p' <<<"$line")
  [[ -n $perm ]] || continue
  if ! grep -q "android:name=\"$perm\"" "$manifest"; then
    # Insert right after the opening <manifest ...> tag.
    sed -i "0,/<manifest[^>]*>/s||&\n    <uses-permission android:name=\"$perm\" />|" "$manifest"
    added=$((added + 1))
  fi
done < <(grep '<uses-permission' "$here/android/permissions.xml")
echo "added $added permission(s) to $manifest"
