# shellcheck shell=bash
# apt with a configuration of its own: another Debian suite's package lists, cache and an
# empty dpkg status, all under one directory, so that a newer suite's binary packages can be
# resolved, downloaded and unpacked (never installed) on a Debian 12 host whose sources.list
# and dpkg database are not touched. Used by scripts/renderer-root; needs no root.
#
#   private_apt_init DIR SUITE   DIR's layout and sources.list for SUITE (main, amd64)
#   apt_private ARGS...          apt-get over that state
#   apt_cache_private ARGS...    apt-cache over that state
#   private_apt_update           apt-get update; returns 1 with the first error line in
#                                PRIVATE_APT_ERROR when the archive cannot be reached
#   private_apt_release_date     the suite's Release Date: (its snapshot time), or nothing
#   private_apt_resolve PKG=VER...  what apt would install for them on an empty system,
#                                Recommends left out: "name=version" lines, in apt's order

private_apt_init() {
  PRIVATE_APT_DIR=$1
  PRIVATE_APT_SUITE=$2
  mkdir -p "$PRIVATE_APT_DIR/lists/partial" "$PRIVATE_APT_DIR/cache/archives/partial"
  # Signed by Debian: bookworm's debian-archive-keyring holds the newer releases' keys too.
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $PRIVATE_APT_SUITE main" \
    >"$PRIVATE_APT_DIR/sources.list"
  touch "$PRIVATE_APT_DIR/status"
}

private_apt_options() {
  local d=$PRIVATE_APT_DIR
  # Debug::NoLocking: the state is this directory's alone (callers serialise with flock),
  # and the host's /var/lib/dpkg lock is not ours to take.
  printf '%s\n' -o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=- \
    -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "Dir::State::status=$d/status" \
    -o APT::Architecture=amd64 -o Acquire::Languages=none -o Debug::NoLocking=1
}

apt_private() {
  local opts
  mapfile -t opts < <(private_apt_options)
  apt-get -q "${opts[@]}" "$@"
}

apt_cache_private() {
  local opts
  mapfile -t opts < <(private_apt_options)
  apt-cache "${opts[@]}" "$@"
}

private_apt_update() {
  if ! apt_private update >"$PRIVATE_APT_DIR/update.log" 2>&1 ||
     grep -qE '^(E|W): Failed to fetch' "$PRIVATE_APT_DIR/update.log"; then
    PRIVATE_APT_ERROR=$(grep -m1 -E '^(E|W):' "$PRIVATE_APT_DIR/update.log" || echo "apt-get update failed")
    return 1
  fi
}

private_apt_release_date() {
  sed -n 's/^Date: //p' "$PRIVATE_APT_DIR/lists/"*"_dists_${PRIVATE_APT_SUITE}_InRelease" 2>/dev/null | head -1
}

private_apt_resolve() {
  # -s on an empty status: apt's own resolver picks each dependency's alternative and each
  # virtual package's provider, exactly as an install into an empty root would.
  apt_private -s install --no-install-recommends "$@" | awk '/^Inst / {print $2 "=" substr($3, 2)}'
}
