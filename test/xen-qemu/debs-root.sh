# Sourced by trixie.sh and arm64-stage.sh (needs their say and cannot):
#   stage_root CACHE PKG...
# takes the newest cached .deb of each package (CACHE/debs/NAME_VERSION_ARCH.deb) and unpacks them
# with `dpkg-deb -x` into CACHE/root, unless CACHE/root.list says it holds exactly those already.
stage_root() {
  local c=$1 p f d list debs=()
  shift
  for p in "$@"; do
    f=$(ls -v "$c/debs/${p}_"*.deb 2> /dev/null | tail -n 1 || true)
    [ -n "$f" ] || cannot "no cached .deb of $p (offline with an empty cache?)"
    debs+=("$(basename "$f")")
  done
  list=$(printf '%s\n' "${debs[@]}")
  [ -f "$c/root/.complete" ] && [ "$(cat "$c/root.list" 2> /dev/null)" = "$list" ] && return 0
  say "unpacking ${#debs[@]} packages into $c/root"
  rm -rf "$c/root.new"
  mkdir -p "$c/root.new"
  for d in "${debs[@]}"; do dpkg-deb -x "$c/debs/$d" "$c/root.new"; done
  touch "$c/root.new/.complete"
  rm -rf "$c/root"
  mv "$c/root.new" "$c/root"
  printf '%s\n' "$list" > "$c/root.list"
}
